// Per-call cost across the Kotlin (JNA) boundary of adding an item (scan)
// and completing a sale; System.nanoTime around the measured call only, a
// fresh cart and payment per iteration, after a warm-up of 50 iterations.
import uniffi.pos_ffi.*
import java.nio.file.Files

fun main(args: Array<String>) {
    val n = args.firstOrNull()?.toInt() ?: 300
    val dir = Files.createTempDirectory("call-cost")
    val clock = object : Clock { override fun nowMillis() = 1_773_480_600_000L }
    val reg = Register.open(dir.resolve("kt.sqlite").toString(), RegisterConfig("paris-11", "till-1", "shop"), clock, null, 1uL)
    reg.importCatalogJson(sampleCatalogJson())
    val options = SaleOptions("alice", null, false, null)
    var add = 0L
    var complete = 0L
    var trivial = 0L
    for (i in 0 until n + 50) {
        val cart = reg.newCart()
        var t = System.nanoTime()
        reg.scan(cart, "2000000001012")
        val a = System.nanoTime() - t
        t = System.nanoTime()
        cart.total()
        val b = System.nanoTime() - t
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Card, cart.total())
        t = System.nanoTime()
        reg.completeSale(cart, payment, options)
        val c = System.nanoTime() - t
        if (i >= 50) { add += a; complete += c; trivial += b }
    }
    println("%-36s %9.1f µs/call  (%d calls)".format("kotlin: cart.total() (bare call)", trivial / n / 1000.0, n))
    println("%-36s %9.1f µs/call  (%d calls)".format("kotlin: add item (scan)", add / n / 1000.0, n))
    println("%-36s %9.1f µs/call  (%d calls)".format("kotlin: complete sale", complete / n / 1000.0, n))
}
