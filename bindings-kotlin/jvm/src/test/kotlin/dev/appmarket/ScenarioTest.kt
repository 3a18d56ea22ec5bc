package dev.appmarket

import dev.appmarket.core.*
import java.io.File
import java.math.BigDecimal
import java.time.Duration
import java.time.Instant
import org.json.JSONArray
import org.json.JSONObject
import org.json.JSONTokener
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory

/**
 * Replays every JSON journey in `tests/scenarios` through the Kotlin binding (`runJson` and the
 * manual clock), with the expectations the Rust and Python runners check (format:
 * tests/scenarios/README.md).
 */
class ScenarioTest {
    private val dir = File(System.getProperty("appmarket.scenarios") ?: "../../tests/scenarios")

    @TestFactory
    fun everyScenarioReplaysToItsExpectations(): List<DynamicTest> {
        val files = dir.listFiles { f -> f.name.endsWith(".json") }?.sortedBy { it.name }.orEmpty()
        assertTrue(files.size >= 8, "at least 8 scenarios in $dir, found ${files.size}")
        return files.map { file -> DynamicTest.dynamicTest(file.nameWithoutExtension) { replay(file) } }
    }

    private fun actor(text: String): Actor = when {
        text == "system" -> Actor.System
        text.startsWith("customer:") -> Actor.Customer(text.removePrefix("customer:"))
        text.startsWith("seller:") -> Actor.Seller(text.removePrefix("seller:"))
        text.startsWith("operator:") -> Actor.Operator(text.removePrefix("operator:"))
        else -> error("not an actor: $text")
    }

    private fun atPath(value: Any?, path: String): Any? {
        if (path.isEmpty()) return value
        var current: Any? = value
        for (key in path.split('.')) {
            current = when (current) {
                is JSONObject -> if (current.has(key)) current.get(key) else return MISSING
                is JSONArray -> key.toIntOrNull()?.takeIf { it in 0 until current.length() }?.let(current::get) ?: return MISSING
                else -> return MISSING
            }
        }
        return current
    }

    private fun substitute(value: Any?, saved: Map<String, Any?>): Any? = when (value) {
        is String -> {
            val m = Regex("""^\$\{([^.}]+)\.?([^}]*)}$""").find(value)
            if (m == null) value else {
                val base = saved[m.groupValues[1]] ?: error("nothing saved as ${m.groupValues[1]}")
                atPath(base, m.groupValues[2]).also { check(it !== MISSING) { "no ${m.groupValues[2]} in $base" } }
            }
        }
        is JSONObject -> JSONObject().also { out -> value.keys().forEach { k -> out.put(k, substitute(value.get(k), saved)) } }
        is JSONArray -> JSONArray().also { out -> (0 until value.length()).forEach { i -> out.put(substitute(value.get(i), saved)) } }
        else -> value
    }

    private fun same(want: Any?, got: Any?): Boolean = when {
        want is Number && got is Number -> BigDecimal(want.toString()).compareTo(BigDecimal(got.toString())) == 0
        want is JSONObject && got is JSONObject -> want.similar(got)
        want is JSONArray && got is JSONArray -> want.similar(got)
        else -> want == got
    }

    private fun kindOf(e: AppMarketException): Triple<String, String?, String?> = when (e) {
        is AppMarketException.InvalidInput -> Triple("invalid_input", null, e.field)
        is AppMarketException.NotFound -> Triple("not_found", null, null)
        is AppMarketException.NotAllowed -> Triple("not_allowed", e.rule, null)
        is AppMarketException.Forbidden -> Triple("forbidden", null, null)
        is AppMarketException.Conflict -> Triple("conflict", null, null)
        is AppMarketException.PaymentDeclined -> Triple("payment_declined", null, null)
        is AppMarketException.Gateway -> Triple("gateway", null, null)
        is AppMarketException.Storage -> Triple("storage", null, null)
        is AppMarketException.Gateway -> Triple("gateway", null, null)
    }

    private fun replay(file: File) {
        val scenario = JSONObject(file.readText())
        val clock = ManualClock(Instant.parse(scenario.getString("start")))
        val policy = scenario.optJSONObject("policy")?.let { Policy.fromJson(it.toString()) }
        val market = Marketplace(policy = policy, clock = clock)
        val saved = mutableMapOf<String, Any?>()
        val steps = scenario.getJSONArray("steps")
        for (i in 0 until steps.length()) {
            val step = steps.getJSONObject(i)
            val here = "${file.name} step $i"
            if (step.has("advance_seconds")) {
                clock.advance(Duration.ofSeconds(step.getLong("advance_seconds")))
                continue
            }
            val command = substitute(step.getJSONObject("run"), saved).toString()
            val requestId = if (step.has("request_id")) step.getString("request_id") else null
            val outcome = runCatching { market.runJson(actor(step.getString("as")), command, requestId) }
            val wantError = step.optJSONObject("expect_error")
            val error = outcome.exceptionOrNull()
            if (wantError != null) {
                check(error is AppMarketException) { "$here: expected $wantError, got ${outcome.getOrNull() ?: error}" }
                val (kind, rule, field) = kindOf(error)
                assertEquals(wantError.getString("kind"), kind, "$here: $error")
                if (wantError.has("rule")) assertEquals(wantError.getString("rule"), rule, "$here: $error")
                if (wantError.has("field")) assertEquals(wantError.getString("field"), field, "$here: $error")
                continue
            }
            check(error == null) { "$here: $error" }
            val result = JSONTokener(outcome.getOrThrow()).nextValue()
            step.optJSONObject("expect")?.let { expect ->
                for (path in expect.keySet()) {
                    val got = atPath(result, path)
                    assertTrue(same(expect.get(path), got), "$here: `$path` is $got, expected ${expect.get(path)}")
                }
            }
            if (step.has("save")) saved[step.getString("save")] = result
        }
        market.close()
        clock.close()
    }

    private companion object {
        val MISSING = Any()
    }
}
