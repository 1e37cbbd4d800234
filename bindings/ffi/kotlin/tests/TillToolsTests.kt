package pos.ffi.tests

import uniffi.pos_ffi.*

// Search, manual adjustments and exchanges as a Kotlin app calls them.
fun tillToolsTests() {
    test("products by name and customers by name or e-mail") {
        val reg = tempTill(FixedClock(T0), 40uL)
        checkEq(reg.searchProducts("comte", 10u).map { it.sku }, listOf("COMTE-18", "CRACKERS-COMTE"))
        val id = reg.createCustomer("Hélène", "Dupré", "helene@example.org")
        checkEq(reg.findCustomers("dupre").map { it.id }, listOf(id))
        checkEq(reg.findCustomers("martin"), emptyList<CustomerSummary>())
        val e = assertThrows<PosException.Cart> { reg.findCustomers("  ") }
        checkEq(e.code, "invalid_text")
    }

    test("discounts with a reason, a manager's price override and notes") {
        val reg = tempTill(FixedClock(T0), 41uL)
        val cart = ringUp(reg)
        val (bread, cheese) = cart.lines().map { it.id }
        cart.setLineDiscount(cheese, Discount.Percent("10"), "DAMAGED", null, "alice", false)
        cart.setTicketDiscount(Discount.Amount("1.00"), "FIDELITE", "client fidèle", "alice", false)
        checkEq(cart.total(), "22.71")
        val e = assertThrows<PosException.Cart> { cart.overridePrice(bread, "1.00", "prix affiché", "alice", false) }
        checkEq(e.code, "permission_denied")
        cart.overridePrice(bread, "1.00", "prix affiché", "boss", true)
        cart.setNote("à livrer")
        val adj = cart.adjustments()
        checkEq(adj.ticketDiscount?.reasonText, "client fidèle")
        checkEq(adj.lines[1].discount?.reasonCode, "DAMAGED")
        checkEq(adj.lines[0].priceOverride?.replaced, "1.30")
        checkEq(adj.note, "à livrer")
        checkEq(sell(reg, cart, TenderMethod.Card to cart.total()).total(), "22.41")
    }

    test("an exchange of a local ticket") {
        val reg = tempTill(FixedClock(T0), 42uL)
        val cart = reg.newCart()
        cart.setQuantity(reg.scan(cart, "3760123002523"), "2")
        val sale = sell(reg, cart, TenderMethod.Card to "39.80")
        val swap = reg.exchangeCart(sale.ticketId(), listOf(RefundLine(1u, "1")), "boss", true)
        reg.scan(swap, "3760123002660")
        checkEq(swap.total(), "0.00")
        checkEq(sell(reg, swap).number(), 2uL)
        val e = assertThrows<PosException.Cart> {
            reg.exchangeCart(sale.ticketId(), listOf(RefundLine(1u, "2")), "boss", true)
        }
        checkEq(e.code, "refund_exceeds_refundable")
    }
}
