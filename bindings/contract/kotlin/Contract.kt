// The cross-language contract (bindings/contract/cases.json) through the
// Kotlin bindings, compiled and run against the packaged jar only (the native
// library found by JNA inside it). Usage: ContractKt <cases.json>. Prints one
// line per case and `N passed, N failed[, N skipped]`; exits 1 on a failure.
package pos.contract

import uniffi.pos_ffi.*
import java.io.File
import java.nio.file.Files
import kotlin.system.exitProcess

class StoppedClock(var millis: Long) : Clock {
    override fun nowMillis(): Long = millis
}

/** One till and what the steps act on: the current cart and payment, the last sale. */
class Driver(start: Long) {
    val clock = StoppedClock(start)
    val till: Register
    var cart: Cart
    var payment: Payment? = null
    val sales = mutableListOf<CompletedSale>()
    var last: Pair<Cart, Payment>? = null

    init {
        val dir = Files.createTempDirectory("pos-contract")
        till = Register.open(dir.resolve("till.sqlite").toString(), RegisterConfig("paris-11", "till-1", "shop"), clock, null, 1uL)
        till.importCatalogJson(sampleCatalogJson())
        cart = till.newCart()
    }

    private fun paying(): Payment = payment ?: till.startPayment(cart, null).also { payment = it }

    fun run(step: Map<String, Any?>): Map<String, Any?> {
        when (val op = step["op"] as String) {
            "new_cart" -> { cart = till.newCart(); payment = null }
            "scan" -> till.scan(cart, step.str("code"))
            "set_quantity" -> cart.setQuantity(step.int("line").toUInt(), step.str("quantity"))
            "start_payment" -> payment = till.startPayment(cart, null)
            "pay" -> paying().add(method(step.str("method")), step.str("amount"))
            "complete" -> {
                val p = paying()
                p.add(method(step.str("method")), p.remaining())
                val options = SaleOptions((step["operator"] as String?) ?: "alice", null, false, step["key"] as String?)
                val done = till.completeSale(cart, p, options)
                last = cart to p
                sales += done
                return mapOf("number" to done.number().toLong(), "ticket_id" to done.ticketId(), "total" to done.total(), "change" to done.change())
            }
            "complete_again" -> {
                val (c, p) = last ?: error("no sale completed yet")
                till.completeSale(c, p, SaleOptions("alice", null, false, null))
            }
            "clock" -> clock.millis = if (step.containsKey("set")) step.long("set") else clock.millis + step.long("add")
            "close_day" -> return mapOf("closures" to till.closeDay("alice"))
            "close_month" -> return mapOf("closures" to till.closeMonth(step.int("year"), step.int("month").toUInt(), "alice"))
            "refund" -> {
                cart = till.refundCart(original(step), step.str("operator"), step["manager"] as Boolean)
                payment = null
                return mapOf("total" to cart.total())
            }
            "partial_refund" -> {
                val lines = listOf(RefundLine(step.int("line").toUInt(), step.str("quantity")))
                cart = till.partialRefundCart(original(step), lines, (step["operator"] as String?) ?: "alice", (step["manager"] as Boolean?) ?: true)
                payment = null
                return mapOf("total" to cart.total())
            }
            "describe_barcode" -> {
                val info = describeBarcode(step.str("code"), 2026)
                @Suppress("UNCHECKED_CAST")
                val mismatch = (Json(info.json).parse() as Map<String, Any?>)["check_digit_mismatch"] as Map<String, Any?>?
                return mapOf("kind" to info.kind, "valid" to info.valid, "check_digit_expected" to mismatch?.get("expected"))
            }
            "preview_receipt" -> {
                val r = till.previewReceipt(step.str("series"), step.long("number").toULong(), ReceiptFormat.TEXT)
                return mapOf("text" to r.bytes.toString(Charsets.UTF_8))
            }
            "sample_promotions" -> till.importPromotionsJson(samplePromotionsJson())
            "add_coupon" -> cart.addCoupon(step.str("code"))
            "set_setting" -> till.setSetting(step.str("key"), step.str("value"), "alice")
            "pay_card" -> {
                @Suppress("UNCHECKED_CAST")
                val c = step["card"] as Map<String, String?>
                val card = CardReference(
                    processorReference = c["processor_reference"],
                    authorisationCode = c["authorisation_code"],
                    maskedPan = c["masked_pan"],
                    scheme = c["scheme"],
                    entryMode = c["entry_mode"],
                    terminalId = c["terminal_id"],
                    originalReference = c["original_reference"],
                )
                paying().addCard(method((step["method"] as String?) ?: "card"), step.str("amount"), card)
            }
            "card_refunds" -> return mapOf(
                "refunds" to till.refundCardReferences(original(step)).map {
                    mapOf("original_reference" to it.card.originalReference, "masked_pan" to it.card.maskedPan, "charged" to it.charged)
                },
            )
            else -> throw AssertionError("unknown op $op: the Kotlin driver lacks it")
        }
        return emptyMap()
    }

    /** The ticket id of the sale a refund names (`of`, from 1; the first). */
    private fun original(step: Map<String, Any?>): String = sales[((step["of"] as Number?)?.toInt() ?: 1) - 1].ticketId()
}

fun method(name: String): TenderMethod = when (name) {
    "card" -> TenderMethod.Card
    "cash" -> TenderMethod.Cash
    else -> throw AssertionError("unknown tender $name")
}

fun Map<String, Any?>.str(key: String) = this[key] as String
fun Map<String, Any?>.long(key: String) = (this[key] as Number).toLong()
fun Map<String, Any?>.int(key: String) = (this[key] as Number).toInt()

/** A thrown PosException as the contract writes it: kind, code, message. */
fun outcome(e: PosException): Map<String, Any?> {
    val (code, detail) = when (e) {
        is PosException.Cart -> e.code to e.detail
        is PosException.Fiscal -> e.code to e.detail
        is PosException.Device -> e.code to e.detail
        is PosException.Sync -> e.code to e.detail
        is PosException.Store -> e.code to e.detail
        is PosException.Internal -> e.code to e.detail
    }
    return mapOf("error" to e::class.simpleName, "code" to code, "message" to detail)
}

@Suppress("UNCHECKED_CAST")
fun check(step: Map<String, Any?>, got: Map<String, Any?>, ticket: String?) {
    val op = step["op"]
    val want = step["expect"] as Map<String, Any?>?
    if (want == null || !want.containsKey("error")) {
        if (got.containsKey("error")) throw AssertionError("$op failed: $got")
    }
    if (want == null) return
    if (want.containsKey("error")) {
        if (!got.containsKey("error")) throw AssertionError("$op succeeded ($got) where ${want["code"]} was expected")
        if (got["error"] != want["error"] || got["code"] != want["code"]) throw AssertionError("$op: expected ${want["error"]}/${want["code"]}, got $got")
        val message = got["message"] as String
        (want["message"] as String?)?.let {
            val expected = it.replace("{ticket}", ticket ?: "")
            if (message != expected) throw AssertionError("$op: message <$message>, expected <$expected>")
        }
        for (part in (want["message_has"] as List<String>?) ?: emptyList()) {
            if (part !in message) throw AssertionError("$op: <$part> not in <$message>")
        }
        for (part in (want["message_lacks"] as List<String>?) ?: emptyList()) {
            if (part in message) throw AssertionError("$op: <$part> in <$message>")
        }
        return
    }
    for (part in (want["text_has"] as List<String>?) ?: emptyList()) {
        if (part !in (got["text"] as String)) throw AssertionError("$op: <$part> not in <${got["text"]}>")
    }
    for ((key, value) in want) {
        if (key == "text_has") continue
        if (got[key] != value) throw AssertionError("$op: $key is <${got[key]}>, expected <$value>")
    }
}

@Suppress("UNCHECKED_CAST")
fun main(args: Array<String>) {
    val doc = Json(File(args[0]).readText()).parse() as Map<String, Any?>
    val start = (doc["start_millis"] as Number).toLong()
    var passed = 0
    var failed = 0
    var skipped = 0
    for (case in doc["cases"] as List<Map<String, Any?>>) {
        val id = case["id"]
        if (case.containsKey("pending")) {
            println("skip $id: ${case["pending"]}")
            skipped++
            continue
        }
        val error = try {
            val driver = Driver(start)
            for (step in case["steps"] as List<Map<String, Any?>>) {
                val got = try {
                    driver.run(step)
                } catch (e: PosException) {
                    outcome(e)
                }
                check(step, got, driver.sales.firstOrNull()?.ticketId())
            }
            null
        } catch (t: Throwable) {
            t
        }
        if (error == null) passed++ else failed++
        println((if (error == null) "ok   " else "FAIL ") + id + (error?.let { ": $it" } ?: ""))
    }
    println("contract (kotlin): $passed passed, $failed failed, $skipped skipped")
    println("$passed passed, $failed failed" + if (skipped > 0) ", $skipped skipped" else "")
    if (failed > 0) exitProcess(1)
}

/** Just enough JSON for cases.json (objects, arrays, strings, integers, booleans, null); the JVM has no parser built in. */
class Json(private val s: String) {
    private var i = 0

    fun parse(): Any? = value().also { ws(); if (i != s.length) fail("trailing text") }

    private fun fail(why: String): Nothing = throw IllegalArgumentException("cases.json at $i: $why")

    private fun ws() { while (i < s.length && s[i].isWhitespace()) i++ }

    private fun value(): Any? {
        ws()
        if (i >= s.length) fail("unexpected end")
        return when (s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> lit("true", true)
            'f' -> lit("false", false)
            'n' -> lit("null", null)
            else -> num()
        }
    }

    private fun lit(word: String, v: Any?): Any? {
        if (!s.startsWith(word, i)) fail("expected $word")
        i += word.length
        return v
    }

    private fun num(): Long {
        val from = i
        if (s[i] == '-') i++
        while (i < s.length && s[i].isDigit()) i++
        return s.substring(from, i).toLongOrNull() ?: fail("expected an integer")
    }

    private fun str(): String {
        val out = StringBuilder()
        i++
        while (true) {
            if (i >= s.length) fail("unterminated string")
            val c = s[i++]
            when (c) {
                '"' -> return out.toString()
                '\\' -> {
                    when (val e = s[i++]) {
                        'n' -> out.append('\n')
                        't' -> out.append('\t')
                        'u' -> { out.append(s.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                        else -> out.append(e)
                    }
                }
                else -> out.append(c)
            }
        }
    }

    private fun arr(): List<Any?> {
        val out = mutableListOf<Any?>()
        i++
        ws()
        if (s[i] == ']') { i++; return out }
        while (true) {
            out += value()
            ws()
            when (s[i++]) {
                ',' -> continue
                ']' -> return out
                else -> fail("expected , or ]")
            }
        }
    }

    private fun obj(): Map<String, Any?> {
        val out = linkedMapOf<String, Any?>()
        i++
        ws()
        if (s[i] == '}') { i++; return out }
        while (true) {
            ws()
            val key = str()
            ws()
            if (s[i++] != ':') fail("expected :")
            out[key] = value()
            ws()
            when (s[i++]) {
                ',' -> continue
                '}' -> return out
                else -> fail("expected , or }")
            }
        }
    }
}
