package pos.ffi.tests

import uniffi.pos_ffi.*

// Cash session, customers and loyalty, stored value, orders and the PNG
// receipt: real calls on a real SQLite file, values checked to the cent.

fun sell(reg: Register, cart: Cart, vararg tenders: Pair<TenderMethod, String>, customer: String? = null): CompletedSale {
    val payment = reg.startPayment(cart, customer)
    for ((method, amount) in tenders) payment.add(method, amount)
    return reg.completeSale(cart, payment, SaleOptions("alice", customer, false, null))
}

const val PROGRAM = """{"currency":"EUR","points_per_unit":"1","bonuses":[],"tiers":[],
 "rewards":[{"id":"coffee","name":"Free coffee","cost":10,"kind":{"amount_off":{"amount":"2.00","currency":"EUR"}}}],
 "point_value":{"amount":"0.01","currency":"EUR"},"expiry_days":365,"tier_window_days":365}"""

fun cashTests() {
    test("pay-in, pay-out and the X report to the cent") {
        val reg = tempTill(FixedClock(T0), 21uL)
        reg.openCashSession("alice", "100.00")
        checkEq(sell(reg, ringUp(reg), TenderMethod.Cash to "30").change(), "3.80")
        reg.cashPayIn("alice", "20.00", CashMoveReason.CHANGE_FUND, null, null)
        val x = reg.cashPayOut("bob", "50", CashMoveReason.BANK_DEPOSIT, "to the bank", null)
        checkEq(x.openingFloat, "100.00")
        checkEq(x.salesCount, 1u)
        checkEq(x.salesTotal, "26.20")
        checkEq(x.payIns, "20.00")
        checkEq(x.payOuts, "50.00")
        checkEq(x.expectedCash, "96.20")
        checkEq(x.byTender.single { it.kind == "cash" }.net, "26.20")
        checkEq(x.byVat.single().gross, "26.20")
        checkEq(reg.xReport(), x)
        val close = reg.closeSessionAndDay("alice", "96.00")
        checkEq(close.difference, "-0.20")
        checkEq(close.closures, listOf("Z 1"))
    }

    test("a pay-out above the drawer is refused and changes nothing") {
        val reg = tempTill(FixedClock(T0), 22uL)
        reg.openCashSession("alice", "20.00")
        assertThrows<PosException.Cart> { reg.cashPayOut("alice", "20.01", CashMoveReason.EXPENSE, null, null) }
        checkEq(reg.xReport().expectedCash, "20.00")
        val shift = reg.closeCashSession("alice", "20.00")
        checkEq(shift.difference, "0.00")
        checkEq(shift.closures, emptyList<String>())
        val e = assertThrows<PosException.Cart> { reg.xReport() }
        checkEq(e.code, "precondition")
    }
}

fun customerTests() {
    test("consent per channel with its source, RGPD export and erasure") {
        val clock = FixedClock(T0)
        val reg = tempTill(clock, 23uL)
        val who = reg.createCustomer("Jeanne", "Martin", "jeanne@example.org")
        val granted = reg.setConsent(who, Channel.EMAIL_RECEIPT, ConsentState.GRANTED, ConsentSource.IN_STORE)
        checkEq(granted, listOf(Consent(Channel.EMAIL_RECEIPT, ConsentState.GRANTED, T0, "in_store")))
        clock.millis += 1_000
        reg.setConsent(who, Channel.MARKETING_SMS, ConsentState.WITHDRAWN, ConsentSource.UNSUBSCRIBE)
        checkEq(reg.consents(who).size, 2)
        val export = reg.exportCustomer(who)
        check("jeanne@example.org" in export) { export }
        checkEq(reg.eraseCustomer(who, "manager"), true)
        checkEq(reg.eraseCustomer(who, "manager"), false)
        check("jeanne@example.org" !in reg.exportCustomer(who)) { "personal data left after erasure" }
        val email = reg.consents(who).single { it.channel == Channel.EMAIL_RECEIPT }
        checkEq(email.state, ConsentState.WITHDRAWN)
        checkEq(email.source, "erasure")
        val e = assertThrows<PosException.Cart> {
            reg.setConsent(who, Channel.SMS_RECEIPT, ConsentState.GRANTED, ConsentSource.APP)
        }
        checkEq(e.code, "customer_erased")
    }

    test("loyalty points earned and a reward redeemed once") {
        val reg = tempTill(FixedClock(T0), 24uL)
        reg.setLoyaltyProgramJson(PROGRAM)
        val who = reg.createCustomer("Jeanne", null, null)
        sell(reg, ringUp(reg), TenderMethod.Card to "26.20", customer = who)
        checkEq(reg.loyaltyBalance(who), 26uL)
        val reward = reg.redeemLoyaltyReward(who, "coffee", "op-coffee-1")
        checkEq(reward, LoyaltyReward("coffee", "Free coffee", 10uL, "amount_off:2.00"))
        reg.redeemLoyaltyReward(who, "coffee", "op-coffee-1")
        checkEq(reg.loyaltyBalance(who), 16uL)
        val e = assertThrows<PosException.Cart> { reg.setLoyaltyProgramJson("{}") }
        checkEq(e.detail, "invalid loyalty program: expected a LoyaltyProgram JSON document")
    }
}

fun storedValueTests() {
    test("gift card issued, spent as a tender and loaded") {
        val reg = tempTill(FixedClock(T0), 25uL)
        val card = reg.issueStoredValue("GIFT-0000-7731", StoredValueKind.GIFT_CARD, "20.00", null)
        checkEq(card.maskedCode, "****7731")
        checkEq(card.balance, "20.00")
        val sale = sell(reg, ringUp(reg), TenderMethod.GiftCard("GIFT00007731") to "20.00", TenderMethod.Card to "6.20")
        checkEq(reg.storedValue("GIFT00007731").balance, "0.00")
        val loaded = reg.loadStoredValue("GIFT00007731", "15.50", sale.ticketId(), "op-load-1")
        checkEq(loaded.balance, "15.50")
        checkEq(reg.loadStoredValue("GIFT00007731", "15.50", sale.ticketId(), "op-load-1").balance, "15.50")
        val over = assertThrows<PosException.Cart> {
            sell(reg, ringUp(reg), TenderMethod.GiftCard("GIFT00007731") to "16.00", TenderMethod.Card to "10.20")
        }
        checkEq(over.code, "insufficient_balance")
        checkEq(reg.storedValue("GIFT00007731").balance, "15.50")
        val missing = assertThrows<PosException.Store> { reg.storedValue("GIFT00009999") }
        checkEq(missing.detail, "no gift card `****9999`")
    }
}

fun orderTests() {
    test("unpaid order paid at collection, then refunded at the till") {
        val reg = tempTill(FixedClock(T0), 26uL)
        val line = OrderLine("BAG-TRAD", "Baguette tradition", "2", "2.60")
        reg.receiveOrder("web-20", listOf(line), T0 + 3_600_000, null)
        reg.acceptOrder("web-20", "alice")
        reg.startPreparingOrder("web-20", "alice")
        checkEq(reg.markOrderReady("web-20", "alice"), "ready")
        val cart = reg.orderCart("web-20")
        checkEq(cart.total(), "2.60")
        val payment = reg.startPayment(cart, null)
        payment.add(TenderMethod.Cash, "5")
        val sale = reg.collectOrderAndPay("web-20", cart, payment, options())
        checkEq(sale.change(), "2.40")
        checkEq(reg.orderStatus("web-20"), "collected")
        val back = reg.refundCart(sale.ticketId(), "alice", true)
        val payBack = reg.startPayment(back, null)
        payBack.add(TenderMethod.Cash, "2.60")
        checkEq(reg.refundOrderAtTill("web-20", back, payBack, options()).total(), "-2.60")
        checkEq(reg.orderStatus("web-20"), "refunded")
    }

    test("order paid online collected, then refunded online") {
        val reg = tempTill(FixedClock(T0), 27uL)
        val line = OrderLine("BAG-TRAD", "Baguette tradition", "1", "1.30")
        reg.receiveOrder("web-21", listOf(line), T0 + 3_600_000, "psp-1")
        reg.acceptOrder("web-21", "alice")
        reg.startPreparingOrder("web-21", "alice")
        reg.markOrderReady("web-21", "alice")
        checkEq(reg.collectOrder("web-21", "alice"), "collected")
        checkEq(reg.refundOrder("web-21", "alice"), "refunded")
    }
}

fun receiptImageTests() {
    test("receipt rendered as a PNG image") {
        val reg = tempShop(FixedClock(T0), 28uL)
        val sale = sell(reg, ringUp(reg), TenderMethod.Card to "26.20")
        val png = reg.receipt(sale, ReceiptFormat.PNG, "epson-tm-t20")
        checkEq(png.copyOfRange(0, 8).toList(), listOf(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a).map { it.toByte() })
        val image = javax.imageio.ImageIO.read(java.io.ByteArrayInputStream(png))
        check(image != null && image.width > 300 && image.height > image.width) { "not a receipt-shaped image" }
    }
}

fun promotionTests() {
    test("sample promotions run in the cart and a coupon applies") {
        val reg = tempTill(FixedClock(T0), 29uL) // a Saturday: cheese -20 %
        checkEq(reg.importPromotionsJson(samplePromotionsJson()), 6uL)
        val cart = reg.newCart()
        repeat(3) { reg.scan(cart, "2000000002019") } // croissants: 3 for 3.00
        reg.scan(cart, "3760123000352") // Comté 24.90 -20 % = 19.92
        checkEq(cart.total(), "22.92")
        checkEq(cart.addCoupon("BIENVENUE10"), null)
        checkEq(cart.total(), "20.63")
        checkEq(sell(reg, cart, TenderMethod.Card to "20.63").total(), "20.63")
        val e = assertThrows<PosException.Cart> { reg.importPromotionsJson("[{]") }
        checkEq(e.code, "invalid_json")
    }
}

fun lookupAndDeviceTests() {
    test("catalog lookup and stock level") {
        val reg = tempTill(FixedClock(T0), 30uL)
        val comte = reg.lookup("3760123000352")
        checkEq(comte.sku, "COMTE-18")
        checkEq(comte.unitPrice, "24.90")
        checkEq(comte.unit, "kilogram")
        checkEq(reg.lookup("2501001003475").carried, "weight:0.347")
        checkEq(assertThrows<PosException.Cart> { reg.lookup("0000000000000") }.code, "unknown_barcode")
        sell(reg, ringUp(reg), TenderMethod.Card to "26.20")
        checkEq(reg.stockLevel("BAG-TRAD"), StockLevel("-1", "0", "-1"))
    }

    test("drawer kicked through the printer, customer display shows the cart") {
        val reg = tempTill(FixedClock(T0), 31uL)
        val out = java.io.ByteArrayOutputStream()
        val port = object : PrinterTransport, DisplayTransport {
            override fun write(bytes: ByteArray) = out.write(bytes)
        }
        openDrawer("epson-tm-t20", false, port)
        val pulse = out.toByteArray()
        check((0 until pulse.size - 2).any { pulse[it] == 0x1b.toByte() && pulse[it + 1] == 'p'.code.toByte() && pulse[it + 2] == 0.toByte() }) {
            "no ESC p on pin 2"
        }
        out.reset()
        val display = CustomerDisplay(port, DisplayCodePage.WPC1252)
        display.show("Bonjour", "")
        display.showCart(ringUp(reg))
        val shown = out.toByteArray().toString(Charsets.ISO_8859_1)
        check("Bonjour" in shown) { shown }
        check("TOTAL        26,20 \u0080" in shown) { shown } // "€" is 0x80 in Windows-1252
        val unplugged = object : DisplayTransport {
            override fun write(bytes: ByteArray): Unit = throw PosException.Device("unplugged", "gone")
        }
        assertThrows<PosException.Device> { CustomerDisplay(unplugged, DisplayCodePage.PC437) }
    }
}

fun partialRefundTests() {
    test("partial refund of a chosen line, then the rest") {
        val reg = tempTill(FixedClock(T0), 32uL)
        val sale = sell(reg, ringUp(reg), TenderMethod.Cash to "30")
        // Lines are numbered from 1, as the sale's cart lines were.
        val comte = RefundLine(2u, "1")
        val cart = reg.partialRefundCart(sale.ticketId(), listOf(comte), "alice", true)
        checkEq(cart.total(), "-24.90")
        val payBack = reg.startPayment(cart, null)
        checkEq(payBack.remaining(), "24.90")
        payBack.add(TenderMethod.Cash, "24.90")
        checkEq(payBack.remaining(), "0.00")
        checkEq(reg.completeSale(cart, payBack, SaleOptions("alice", null, false, null)).total(), "-24.90")
        val again = assertThrows<PosException.Cart> { reg.partialRefundCart(sale.ticketId(), listOf(comte), "alice", true) }
        checkEq(again.code, "refund_exceeds_refundable")
        val zero = assertThrows<PosException.Cart> { reg.partialRefundCart(sale.ticketId(), listOf(RefundLine(0u, "1")), "alice", true) }
        checkEq(zero.code, "unknown_original_line")
        val cashier = assertThrows<PosException.Cart> { reg.refundCart(sale.ticketId(), "bob", false) }
        checkEq(cashier.code, "permission_required")
        checkEq(cashier.detail, "refunding a ticket needs the `return` permission (a manager's right)")
        checkEq(reg.refundCart(sale.ticketId(), "alice", true).total(), "-1.30")
    }
}

fun stockTests() {
    test("stock received, lost, transferred and counted") {
        val reg = tempTill(FixedClock(T0), 33uL)
        checkEq(reg.receiveStock("CROISSANT", "40", "alice", "BL-1"), StockLevel("40", "0", "40"))
        checkEq(reg.recordLoss("CROISSANT", "2", "alice", null).onHand, "38")
        checkEq(reg.transferStock("CROISSANT", "backroom", "8", "alice").onHand, "30")
        checkEq(assertThrows<PosException.Cart> { reg.transferStock("CROISSANT", "backroom", "31", "alice") }.code, "insufficient_stock")
        checkEq(reg.countStock(listOf(StockCount("CROISSANT", "27")), "alice"), 1u)
        checkEq(reg.stockLevel("CROISSANT").available, "27")
    }
}

fun closureTests() {
    test("month closure and the fiscal archive") {
        val clock = FixedClock(T0)
        val reg = tempTill(clock, 34uL)
        sell(reg, ringUp(reg), TenderMethod.Card to "26.20")
        checkEq(assertThrows<PosException.Fiscal> { reg.closeMonth(2026, 3u, "alice") }.detail, "period 2026-03 is in the future")
        reg.closeDay("alice")
        clock.millis += 20L * 86_400_000L
        checkEq(reg.closeMonth(2026, 3u, "alice").size, 1)
        val archive = reg.archive("2026-03-14", "2026-03-31", "alice")
        checkEq(archive.fileName, "till-1_2026-03-14_2026-03-31.tar")
        checkEq(archive.bytes.copyOfRange(257, 262).toString(Charsets.US_ASCII), "ustar")
        checkEq(archive.record, "A 1")
        check(archive.intact) { "archive of a journal that does not verify" }
    }
}

fun storedReceiptTests() {
    test("receipts of stored tickets: preview, original, then signed duplicates") {
        val reg = tempTill(FixedClock(T0), 35uL)
        // The merchant comes from the till's own settings (a signed JET 270).
        reg.setSetting("trader_name", "Boulangerie Test", "manager")
        reg.setSetting("siret", "404 833 048 00022", "manager")
        checkEq(assertThrows<PosException.Cart> { reg.setSetting("siret", "123", "manager") }.code, "invalid_siret")
        sell(reg, ringUp(reg), TenderMethod.Card to "26.20")
        checkEq(reg.previewReceipt("T", 1uL, ReceiptFormat.TEXT).kind, "sale")
        checkEq(reg.settings().traderName, "Boulangerie Test")
        val kinds = (1..3).map { reg.printStoredReceipt("T", 1uL, ReceiptFormat.TEXT, "alice").kind }
        checkEq(kinds, listOf("sale", "duplicate 1", "duplicate 2"))
        checkEq(assertThrows<PosException.Store> { reg.previewReceipt("T", 9uL, ReceiptFormat.TEXT) }.code, "not_found")
        check(reg.verify().intact) { "journal not intact" }
    }
}
