package dev.appmarket

import dev.appmarket.core.ServiceFlow
import dev.appmarket.core.UsageCycle

/** The status of the flow as the user guide words it ("Customer submits request"). */
val ServiceFlow.statusText: String get() = flowStatusText(status)

/** Whether this settlement is owed: declined, and not paid since (PRC-7). */
val UsageCycle.owed: Boolean get() = usageCycleIsOwed(this)
