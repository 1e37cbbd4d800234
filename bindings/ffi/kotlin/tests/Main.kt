// The Kotlin binding surface on the JVM: a hand-written runner (no JUnit on
// this machine) printing `N passed, N failed` and exiting non-zero on failure.
package pos.ffi.tests

import kotlin.system.exitProcess

private val results = mutableListOf<Pair<String, Throwable?>>()

fun test(name: String, body: () -> Unit) {
    val error = try {
        body()
        null
    } catch (t: Throwable) {
        t
    }
    results += name to error
    println((if (error == null) "ok   " else "FAIL ") + name + (error?.let { ": $it" } ?: ""))
}

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

fun <T> checkEq(actual: T, expected: T) = check(actual == expected) { "expected <$expected>, got <$actual>" }

inline fun <reified E : Throwable> assertThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

fun main() {
    registerTests()
    errorTests()
    foreignTraitTests()
    cashTests()
    customerTests()
    storedValueTests()
    orderTests()
    receiptImageTests()
    promotionTests()
    lookupAndDeviceTests()
    partialRefundTests()
    stockTests()
    closureTests()
    storedReceiptTests()
    syncServerTests()
    tillToolsTests()
    val failed = results.count { it.second != null }
    println("${results.size - failed} passed, $failed failed")
    if (failed > 0) exitProcess(1)
}
