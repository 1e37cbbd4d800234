//! The nexo (Adyen Terminal API) messages this adapter speaks, as typed JSON.
//!
//! Only the fields used are modelled; unknown fields in answers are ignored.
//! Field order is fixed by the struct order, so the same request always gives
//! the same bytes (which the HMAC covers).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `MessageHeader`, in clear on the wire and inside the encrypted body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageHeader {
    /// `3.0`.
    pub protocol_version: String,
    /// `Service`.
    pub message_class: String,
    /// `Payment`, `Reversal` or `TransactionStatus`.
    pub message_category: String,
    /// `Request` or `Response`.
    pub message_type: String,
    /// Unique per request, at most 10 characters.
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    /// The till's id.
    #[serde(rename = "SaleID")]
    pub sale_id: String,
    /// The terminal's id (model-serial).
    #[serde(rename = "POIID")]
    pub poi_id: String,
}

/// A transaction reference: id plus time stamp (ISO 8601).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactionIdentification {
    /// The id.
    #[serde(rename = "TransactionID")]
    pub transaction_id: String,
    /// When.
    pub time_stamp: String,
}

/// `SaleData` of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SaleData {
    /// The till's transaction id (our idempotency key).
    #[serde(rename = "SaleTransactionID")]
    pub sale_transaction_id: TransactionIdentification,
}

/// `AmountsReq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmountsReq {
    /// ISO 4217 alphabetic code.
    pub currency: String,
    /// The amount, a JSON number.
    #[serde(with = "super::amount")]
    pub requested_amount: Decimal,
}

/// `PaymentTransaction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentTransaction {
    /// What to charge.
    pub amounts_req: AmountsReq,
}

/// `PaymentData`: `Normal` (omitted) or `Refund`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentData {
    /// `Refund` for a refund.
    pub payment_type: String,
}

/// `PaymentRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentRequest {
    /// Till data.
    pub sale_data: SaleData,
    /// Amount.
    pub payment_transaction: PaymentTransaction,
    /// Refund marker.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_data: Option<PaymentData>,
}

/// `OriginalPOITransaction` of a reversal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginalPoiTransaction {
    /// The terminal's id of the payment to reverse.
    #[serde(rename = "POITransactionID")]
    pub poi_transaction_id: TransactionIdentification,
}

/// `ReversalRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReversalRequest {
    /// What to reverse.
    #[serde(rename = "OriginalPOITransaction")]
    pub original_poi_transaction: OriginalPoiTransaction,
    /// `MerchantCancel`.
    pub reversal_reason: String,
}

/// `MessageReference` of a status request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageReference {
    /// `Payment`.
    pub message_category: String,
    /// The ServiceID of the request asked about.
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    /// The till's id.
    #[serde(rename = "SaleID")]
    pub sale_id: String,
}

/// `TransactionStatusRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactionStatusRequest {
    /// Which request.
    pub message_reference: MessageReference,
}

/// The body of a `SaleToPOIRequest`: header plus one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SaleToPoiRequest {
    /// Header.
    pub message_header: MessageHeader,
    /// A payment.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_request: Option<PaymentRequest>,
    /// A reversal.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reversal_request: Option<ReversalRequest>,
    /// A status query.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transaction_status_request: Option<TransactionStatusRequest>,
}

/// `{"SaleToPOIRequest": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEnvelope {
    /// The request.
    #[serde(rename = "SaleToPOIRequest")]
    pub sale_to_poi_request: SaleToPoiRequest,
}

/// `Response`: the result of any request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultBlock {
    /// `Success`, `Failure` or `Partial`.
    pub result: String,
    /// Why, on failure (`Refusal`, `Cancel`, `NotFound`, `InProgress`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_condition: Option<String>,
}

/// `AmountsResp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AmountsResp {
    /// ISO 4217 alphabetic code.
    pub currency: String,
    /// What was approved.
    #[serde(with = "super::amount")]
    pub authorized_amount: Decimal,
    /// A tip added on the terminal.
    #[serde(
        with = "super::amount::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub tip_amount: Option<Decimal>,
}

/// `CardData`. Its `Debug` shows the card masked to the last four digits,
/// whatever the terminal put in `MaskedPan`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CardData {
    /// The masked PAN the terminal reports (e.g. `411111...1111`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub masked_pan: Option<String>,
    /// The card brand.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_brand: Option<String>,
}

impl std::fmt::Debug for CardData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardData")
            .field(
                "masked_pan",
                &self
                    .masked_pan
                    .as_deref()
                    .map(crate::payment::MaskedPan::from_reported),
            )
            .field("payment_brand", &self.payment_brand)
            .finish()
    }
}

/// `PaymentInstrumentData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentInstrumentData {
    /// Card data.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub card_data: Option<CardData>,
}

/// `PaymentAcquirerData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentAcquirerData {
    /// Authorisation code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub approval_code: Option<String>,
}

/// `PaymentResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentResult {
    /// Amounts.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub amounts_resp: Option<AmountsResp>,
    /// Card.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_instrument_data: Option<PaymentInstrumentData>,
    /// Acquirer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_acquirer_data: Option<PaymentAcquirerData>,
}

/// `POIData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoiData {
    /// The terminal's transaction id.
    #[serde(rename = "POITransactionID")]
    pub poi_transaction_id: TransactionIdentification,
}

/// `PaymentResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentResponse {
    /// Result.
    pub response: ResultBlock,
    /// Echo of the till data.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sale_data: Option<SaleData>,
    /// Terminal reference.
    #[serde(rename = "POIData", skip_serializing_if = "Option::is_none", default)]
    pub poi_data: Option<PoiData>,
    /// Amounts, card, acquirer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_result: Option<PaymentResult>,
}

/// `ReversalResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReversalResponse {
    /// Result.
    pub response: ResultBlock,
    /// The amount reversed.
    #[serde(
        with = "super::amount::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub reversed_amount: Option<Decimal>,
}

/// `RepeatedResponseMessageBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RepeatedResponseMessageBody {
    /// The original payment's answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_response: Option<PaymentResponse>,
}

/// `RepeatedMessageResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RepeatedMessageResponse {
    /// The original answer's header.
    pub message_header: MessageHeader,
    /// The original answer.
    pub repeated_response_message_body: RepeatedResponseMessageBody,
}

/// `TransactionStatusResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactionStatusResponse {
    /// Result (`Failure` + `NotFound` / `InProgress` when nothing to repeat).
    pub response: ResultBlock,
    /// The original answer, when found.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repeated_message_response: Option<RepeatedMessageResponse>,
}

/// The body of a `SaleToPOIResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SaleToPoiResponse {
    /// Header.
    pub message_header: MessageHeader,
    /// A payment's answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_response: Option<PaymentResponse>,
    /// A reversal's answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reversal_response: Option<ReversalResponse>,
    /// A status query's answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transaction_status_response: Option<TransactionStatusResponse>,
}

/// `{"SaleToPOIResponse": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseEnvelope {
    /// The response.
    #[serde(rename = "SaleToPOIResponse")]
    pub sale_to_poi_response: SaleToPoiResponse,
}

/// `{"SaleToPOIRequest": <secured>}` or `{"SaleToPOIResponse": <secured>}` on
/// the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecuredEnvelope {
    /// A protected request.
    #[serde(
        rename = "SaleToPOIRequest",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub request: Option<super::crypto::SecuredMessage>,
    /// A protected response.
    #[serde(
        rename = "SaleToPOIResponse",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub response: Option<super::crypto::SecuredMessage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_json_numbers() {
        let amounts = AmountsReq {
            currency: "EUR".into(),
            requested_amount: Decimal::new(1250, 2),
        };
        let json = serde_json::to_string(&amounts).unwrap();
        assert_eq!(json, r#"{"Currency":"EUR","RequestedAmount":12.5}"#);
        let back: AmountsReq =
            serde_json::from_str(r#"{"Currency":"EUR","RequestedAmount":0.1}"#).unwrap();
        assert_eq!(back.requested_amount, Decimal::new(1, 1));
        assert!(
            serde_json::from_str::<AmountsReq>(r#"{"Currency":"EUR","RequestedAmount":"1"}"#)
                .is_err()
        );
        let big: AmountsResp = serde_json::from_str(
            r#"{"Currency":"EUR","AuthorizedAmount":12345678901234.56,"TipAmount":1.5}"#,
        )
        .unwrap();
        assert_eq!(big.authorized_amount.to_string(), "12345678901234.56");
        assert_eq!(big.tip_amount, Some(Decimal::new(15, 1)));
    }
}
