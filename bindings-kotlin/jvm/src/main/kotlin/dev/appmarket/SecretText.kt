package dev.appmarket

/**
 * A password (APP-5): `toString()` shows `***`, so it never lands in a log by accident; read
 * [value] only where its owner asked to see it. The generated bindings name it `Secret`.
 */
class SecretText(val value: String) {
    override fun toString(): String = "***"
    override fun equals(other: Any?): Boolean = other is SecretText && other.value == value
    override fun hashCode(): Int = value.hashCode()
}
