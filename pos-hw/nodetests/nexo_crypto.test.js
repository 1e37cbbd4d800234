// Byte-for-byte check of pos-hw's nexo (Adyen local Terminal API) message
// protection against Adyen's own Node library, in both directions.
//
// The golden vector pos-hw/testdata/payment/nexo_crypto.json is produced by
// the Rust code (`payment_nexo_tool golden`) and read by the Rust tests too.
// Rust side binaries are found in $POS_HW_EXAMPLES_DIR (default:
// <repo>/target/debug/examples).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { NexoCrypto } = require('@adyen/api-library');
const NexoDerivedKeyGenerator =
  require('@adyen/api-library/lib/src/security/nexoDerivedKeyGenerator').default;

const golden = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'testdata', 'payment', 'nexo_crypto.json'), 'utf8'),
);
const examplesDir =
  process.env.POS_HW_EXAMPLES_DIR || path.resolve(__dirname, '..', '..', 'target', 'debug', 'examples');

const securityKey = {
  Passphrase: golden.passphrase,
  KeyIdentifier: golden.key_identifier,
  KeyVersion: golden.key_version,
  AdyenCryptoVersion: golden.adyen_crypto_version,
};

test('key derivation matches the library', () => {
  const dk = NexoDerivedKeyGenerator.deriveKeyMaterial(golden.passphrase);
  assert.equal(dk.hmacKey.toString('hex'), golden.derived.hmac_key_hex);
  assert.equal(dk.cipherKey.toString('hex'), golden.derived.cipher_key_hex);
  assert.equal(dk.iv.toString('hex'), golden.derived.iv_hex);
});

test('the library encrypts the golden message to the same bytes', (t) => {
  // The library draws its nonce itself; pin it to the golden one.
  const original = NexoCrypto.generateRandomIvNonce;
  NexoCrypto.generateRandomIvNonce = () => Buffer.from(golden.nonce_hex, 'hex');
  t.after(() => {
    NexoCrypto.generateRandomIvNonce = original;
  });
  const secured = NexoCrypto.encrypt(golden.message_header, golden.plaintext, securityKey);
  assert.equal(secured.NexoBlob, golden.nexo_blob);
  assert.equal(secured.SecurityTrailer.Hmac, golden.hmac);
  assert.equal(secured.SecurityTrailer.Nonce, golden.nonce);
  assert.equal(JSON.stringify({ SaleToPOIRequest: secured }), golden.wire);
});

test('the library decrypts and authenticates our wire message', () => {
  const ours = JSON.parse(golden.wire).SaleToPOIRequest;
  const plaintext = new NexoCrypto().decrypt(ours, securityKey);
  assert.equal(plaintext, golden.plaintext);
  const tampered = structuredClone(ours);
  tampered.SecurityTrailer.Hmac = Buffer.alloc(32).toString('base64');
  assert.throws(() => new NexoCrypto().decrypt(tampered, securityKey));
});

test('our decrypter opens a message the library encrypted with its own random nonce', () => {
  const tool = path.join(examplesDir, process.platform === 'win32' ? 'payment_nexo_tool.exe' : 'payment_nexo_tool');
  assert.ok(fs.existsSync(tool), `${tool} not built: run cargo build -p pos-hw --examples`);
  const header = { ...golden.message_header, ServiceID: 'z9y8x7w6v5' };
  const message = JSON.stringify({
    SaleToPOIRequest: {
      MessageHeader: header,
      PaymentRequest: {
        SaleData: { SaleTransactionID: { TransactionID: 'node-1', TimeStamp: '2026-03-01T10:00:00.000Z' } },
        PaymentTransaction: { AmountsReq: { Currency: 'EUR', RequestedAmount: 99.99 } },
      },
    },
  });
  const secured = NexoCrypto.encrypt(header, message, securityKey);
  const out = execFileSync(tool, ['decrypt', golden.passphrase, golden.key_identifier, String(golden.key_version)], {
    input: JSON.stringify({ SaleToPOIRequest: secured }),
  });
  assert.equal(out.toString('utf8').trimEnd(), message);
});
