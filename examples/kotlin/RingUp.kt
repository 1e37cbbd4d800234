// Opens the drawer, rings up a sale, prints the receipt, reads the X report,
// closes the drawer with the day and verifies the fiscal journal through the Kotlin bindings (uniffi.pos_ffi) on the JVM.
// Built and run by bindings/ffi/run-tests.sh.

import uniffi.pos_ffi.*
import java.nio.file.Files
import kotlin.system.exitProcess

class SystemClock : Clock {
    override fun nowMillis(): Long = System.currentTimeMillis()
}

fun main() {
    val dir = Files.createTempDirectory("ring-up")
    val config = RegisterConfig(store = "paris-11", register = "till-1", location = "shop")
    // The merchant printed on every receipt: signed in the till file at setup (one JET 270).
    val merchant = defaultSettings().copy(
        traderName = "Fromagerie Exemple",
        address = listOf("1 rue de la Paix", "75002 Paris"),
        siret = "404 833 048 00022",
    )
    val till = Register.openWithSettings(dir.resolve("till.sqlite").toString(), config, merchant, "manager", SystemClock(), null, null)
    println("catalog: ${till.importCatalogJson(sampleCatalogJson())} variants")

    till.openCashSession("alice", "50.00")
    println("drawer opened with 50.00 EUR")

    val cart = till.newCart()
    for (code in listOf("2000000001012", "3760123000352", "2501001003475")) till.scan(cart, code)
    for (line in cart.lines()) println("  ${line.label.padEnd(30)} ${line.quantity} x ${line.unitPrice} = ${line.amount}")
    println("total: ${cart.total()} EUR")

    val payment = till.startPayment(cart, null)
    payment.add(TenderMethod.Card, "20.00")
    payment.add(TenderMethod.Cash, "20.00")
    val sale = till.completeSale(cart, payment, SaleOptions("alice", null, false, null))
    println("ticket ${sale.series()} ${sale.number()}, change ${sale.change()} EUR")

    println(till.receipt(sale, ReceiptFormat.TEXT, "generic-58mm").toString(Charsets.UTF_8))

    val x = till.xReport()
    println("X report: ${x.salesCount} sale(s), ${x.netTotal} EUR, expected cash ${x.expectedCash} EUR")
    val close = till.closeSessionAndDay("alice", x.expectedCash)
    println("drawer counted ${close.counted} EUR (difference ${close.difference}); day closed: ${close.closures.joinToString()}")
    val report = till.verify()
    println("journal: ${report.verdict}, ${report.records} records, ${report.signaturesChecked} signatures")
    if (!report.intact) {
        System.err.println("journal defects: ${report.defects}")
        exitProcess(1)
    }
}
