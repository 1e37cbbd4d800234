import init, { Register, sampleCatalogJson } from "@pos-sdk/wasm";

await init(); // loads the module in the browser; resolves at once in Node
const till = Register.inMemory("paris-11", "till-1", "shop");
till.importCatalogJson(sampleCatalogJson());
till.setTrader("Boulangerie Test", ["1 rue de la Paix", "75002 Paris"], "404 833 048 00022", "alice"); // printed on receipts, signed (JET 270)
const cart = till.newCart();
till.scan(cart, "2000000001012"); // a baguette, 1.30
const payment = till.startPayment(cart);
payment.add("cash", "2.00"); // amounts are decimal strings
const sale = till.completeSale(cart, payment, "alice");
console.log(JSON.stringify(sale)); // {"ticketId":"…","number":1,…,"change":"0.70",…}
console.log(till.receipt(sale, "text", "epson-tm-t20"));
