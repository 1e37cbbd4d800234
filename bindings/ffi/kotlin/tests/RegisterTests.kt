package pos.ffi.tests

import uniffi.pos_ffi.*
import java.nio.file.Files

// 2026-03-14T09:30:00Z
const val T0 = 1_773_480_600_000L

class FixedClock(var millis: Long) : Clock {
    override fun nowMillis(): Long = millis
}

fun config() = RegisterConfig(store = "paris-11", register = "till-1", location = "shop")

/// The French defaults with a merchant: what a till prints.
fun merchant() = defaultSettings().copy(
    traderName = "Boulangerie Test",
    address = listOf("1 rue de la Paix", "75002 Paris"),
    siret = "404 833 048 00022",
)

fun options() = SaleOptions(operator = "alice", customer = null, training = false, ticketId = null)

fun tempTill(clock: Clock, seed: ULong): Register {
    val dir = Files.createTempDirectory("pos-ffi-kt")
    val reg = Register.open(dir.resolve("till.sqlite").toString(), config(), clock, null, seed)
    reg.importCatalogJson(sampleCatalogJson())
    return reg
}

/// A till set up with its merchant settings (it prints receipts).
fun tempShop(clock: Clock, seed: ULong): Register {
    val dir = Files.createTempDirectory("pos-ffi-kt")
    val reg = Register.openWithSettings(dir.resolve("shop.sqlite").toString(), config(), merchant(), "manager", clock, null, seed)
    reg.importCatalogJson(sampleCatalogJson())
    return reg
}

fun ringUp(reg: Register): Cart {
    val cart = reg.newCart()
    reg.scan(cart, "2000000001012") // baguette 1.30
    reg.scan(cart, "3760123000352") // Comté 1 kg 24.90
    return cart
}

fun registerTests() {
    test("sale with decimal strings and epoch millis") {
        val reg = tempTill(FixedClock(T0), 1uL)
        val cart = ringUp(reg)
        checkEq(cart.total(), "26.20")
        checkEq(cart.lines().size, 2)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Card, "20.00")
        checkEq(payment.remaining(), "6.20")
        payment.add(TenderMethod.Cash, "10")
        val sale = reg.completeSale(cart, payment, options())
        checkEq(sale.number(), 1uL)
        checkEq(sale.series(), "T")
        checkEq(sale.change(), "3.80")
        checkEq(sale.atMillis(), T0)
        checkEq(sale.signatureExtract().length, 4)
    }

    test("receipt as text and through a printer transport") {
        val reg = tempShop(FixedClock(T0), 2uL)
        val cart = ringUp(reg)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Card, "26.20")
        val sale = reg.completeSale(cart, payment, options())
        val text = reg.receipt(sale, ReceiptFormat.TEXT, "epson-tm-t20").toString(Charsets.UTF_8)
        check("Boulangerie Test" in text) { text }
        check("26,20" in text) { text }
        val paper = java.io.ByteArrayOutputStream()
        reg.printReceipt(sale, "epson-tm-t20", object : PrinterTransport {
            override fun write(bytes: ByteArray) = paper.write(bytes)
        })
        val printed = paper.toByteArray()
        check(printed.size > 100 && printed[0] == 0x1b.toByte()) { "ESC/POS expected" }
    }

    test("refund, close the day, verify and export the FEC") {
        val clock = FixedClock(T0)
        val reg = tempTill(clock, 3uL)
        val cart = ringUp(reg)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Cash, "30")
        val sale = reg.completeSale(cart, payment, options())
        clock.millis += 60_000
        val refund = reg.refundCart(sale.ticketId(), "alice", true)
        checkEq(refund.total(), "-26.20")
        val back = reg.startPayment(refund, null)
        back.add(TenderMethod.Cash, "26.20")
        reg.completeSale(refund, back, options())
        checkEq(reg.closeDay("alice"), listOf("Z 1"))
        val report = reg.verify()
        check(report.intact) { report.defects.toString() }
        val fec = reg.exportFec("123456789", "alice")
        check(fec.name.startsWith("123456789FEC")) { fec.name }
    }

    test("cash session closed with the fiscal day") {
        val reg = tempTill(FixedClock(T0), 9uL)
        reg.openCashSession("alice", "100.00")
        val again = assertThrows<PosException.Cart> { reg.openCashSession("alice", "50") }
        checkEq(again.code, "already_open")
        val cart = ringUp(reg)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Cash, "26.20")
        reg.completeSale(cart, payment, options())
        val close = reg.closeSessionAndDay("alice", "126.20")
        checkEq(close.difference, "0.00")
        checkEq(close.closures, listOf("Z 1"))
    }

    test("sync requests go through the app's transport (server down: Sync error)") {
        val reg = tempTill(FixedClock(T0), 10uL)
        val cart = ringUp(reg)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Card, "26.20")
        reg.completeSale(cart, payment, options())
        val pending = reg.syncPending()
        val sent = mutableListOf<HttpRequest>()
        val transport = object : SyncTransport {
            override fun send(request: HttpRequest): HttpResponse {
                sent += request
                return HttpResponse(503.toUShort(), "{}".toByteArray())
            }
        }
        assertThrows<PosException.Sync> { reg.sync("till-1", "secret".toByteArray(), transport) }
        check(sent.isNotEmpty()) { "nothing sent" }
        check(sent[0].path.startsWith("/")) { sent[0].path }
        checkEq(reg.syncPending(), pending)
    }

    test("day report and reprint") {
        val reg = tempShop(FixedClock(T0), 11uL)
        val cart = ringUp(reg)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Card, "26.20")
        val sale = reg.completeSale(cart, payment, options())
        val report = reg.dayReport("2026-03-14")
        checkEq(report.salesCount, 1uL)
        checkEq(report.netTotal, "26.20")
        val copy = reg.reprint(sale, "alice", ReceiptFormat.TEXT, "epson-tm-t20").toString(Charsets.UTF_8)
        check("duplicata" in copy.lowercase()) { copy }
    }

    test("barcode description") {
        val info = describeBarcode("3760123000352", 2026)
        checkEq(info.kind, "ean13")
        checkEq(info.gtin14, "03760123000352")
    }
}

fun errorTests() {
    test("unknown barcode is a Cart error and leaves the cart empty") {
        val reg = tempTill(FixedClock(T0), 4uL)
        val cart = reg.newCart()
        assertThrows<PosException.Cart> { reg.scan(cart, "0000000000000") }
        check(cart.isEmpty()) { "cart changed" }
    }

    test("a bad decimal is a typed error with its message") {
        val reg = tempTill(FixedClock(T0), 5uL)
        val cart = reg.newCart()
        val line = reg.scan(cart, "2000000001012")
        val e = assertThrows<PosException.Cart> { cart.setQuantity(line, "two") }
        checkEq(e.code, "invalid_input")
        checkEq(e.detail, "invalid quantity `two`: expected a decimal such as 12.50")
        checkEq(cart.total(), "1.30")
    }

    test("an unreadable barcode is a Device error") {
        assertThrows<PosException.Device> { describeBarcode("not a barcode", 2026) }
    }

    test("another register's file is a Store error") {
        val dir = Files.createTempDirectory("pos-ffi-kt")
        val path = dir.resolve("till.sqlite").toString()
        Register.open(path, config(), FixedClock(T0), null, 6uL)
        val other = RegisterConfig(store = "paris-11", register = "till-2", location = "shop")
        val e = assertThrows<PosException.Store> { Register.open(path, other, FixedClock(T0), null, 6uL) }
        checkEq(e.code, "wrong_register")
    }

    test("a Rust panic comes back as an Internal error") {
        val e = assertThrows<PosException.Internal> { triggerPanicForTests() }
        checkEq(e.code, "panic")
    }
}

fun foreignTraitTests() {
    test("an Android-Keystore-like signer (java.security, DER) signs the journal") {
        val gen = java.security.KeyPairGenerator.getInstance("EC")
        gen.initialize(java.security.spec.ECGenParameterSpec("secp256r1"))
        val pair = gen.generateKeyPair()
        var calls = 0
        val signer = object : Signer {
            override fun sign(message: ByteArray): ByteArray {
                calls += 1
                val s = java.security.Signature.getInstance("SHA256withECDSA")
                s.initSign(pair.private)
                s.update(message)
                return s.sign()
            }

            override fun publicKeySec1(): ByteArray {
                val w = (pair.public as java.security.interfaces.ECPublicKey).w
                fun fixed(n: java.math.BigInteger): ByteArray {
                    val b = n.toByteArray().takeLast(32).toByteArray()
                    return ByteArray(32 - b.size) + b
                }
                return byteArrayOf(4) + fixed(w.affineX) + fixed(w.affineY)
            }
        }
        val reg = Register.inMemory(config(), FixedClock(T0), signer, 7uL)
        reg.importCatalogJson(sampleCatalogJson())
        val cart = ringUp(reg)
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Card, "26.20")
        reg.completeSale(cart, payment, options())
        check(calls >= 2) { "signer called $calls times" }
        val report = reg.audit("alice")
        check(report.intact) { report.defects.toString() }
    }

    test("a locked keystore is a Fiscal error") {
        val locked = object : Signer {
            override fun sign(message: ByteArray): ByteArray = throw PosException.Device("locked", "keystore locked")
            override fun publicKeySec1(): ByteArray = byteArrayOf(4) + ByteArray(64)
        }
        assertThrows<PosException.Fiscal> { Register.inMemory(config(), FixedClock(T0), locked, 8uL) }
    }
}
