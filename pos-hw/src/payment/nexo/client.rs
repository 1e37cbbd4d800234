//! The till side of the Adyen Terminal API in local mode.

use super::crypto::{SecurityKey, decrypt, encrypt};
use super::message::{
    AmountsReq, MessageHeader, MessageReference, OriginalPoiTransaction, PaymentData,
    PaymentRequest as NexoPaymentRequest, PaymentResponse, PaymentTransaction, RequestEnvelope,
    ResponseEnvelope, ReversalRequest, SaleData, SaleToPoiRequest, SaleToPoiResponse,
    SecuredEnvelope, TransactionIdentification, TransactionStatusRequest,
};
use super::transport::{NexoTransport, NonceSource, TimeSource, TransportFailure};
use crate::HwError;
use crate::payment::card::MaskedPan;
use crate::payment::terminal::PaymentTerminal;
use crate::payment::types::{
    Approval, Capabilities, DeclineReason, Outcome, PaymentKind, PaymentRequest, StatusAnswer,
    TransactionId, UnknownStage,
};
use pos_core::{Currency, Money};
use sha2::{Digest, Sha256};
use std::fmt;

/// Who the till and the terminal are, and the shared key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NexoConfig {
    /// The till's `SaleID`.
    pub sale_id: String,
    /// The terminal's `POIID` (model-serial, e.g. `V400m-123456789`).
    pub poi_id: String,
    /// The key configured on the terminal.
    pub key: SecurityKey,
}

/// An Adyen terminal reached in local mode through `T`.
pub struct AdyenLocalClient<T> {
    transport: T,
    config: NexoConfig,
    nonces: Box<dyn NonceSource + Send>,
    clock: Box<dyn TimeSource + Send>,
    status_queries: u32,
}

impl<T> fmt::Debug for AdyenLocalClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdyenLocalClient")
            .field("sale_id", &self.config.sale_id)
            .field("poi_id", &self.config.poi_id)
            .finish_non_exhaustive()
    }
}

/// The `ServiceID` (10 characters) of the request made for `id`.
///
/// Derived from the transaction id, so the till can ask about a payment after
/// a restart without having stored anything but its own id.
pub fn service_id(purpose: &str, id: &str) -> String {
    let digest = Sha256::digest(format!("{purpose}:{id}").as_bytes());
    digest.iter().take(5).map(|b| format!("{b:02x}")).collect()
}

enum Answer {
    Body(Box<SaleToPoiResponse>),
    Unknown(UnknownStage),
}

impl<T: NexoTransport> AdyenLocalClient<T> {
    /// A client over `transport`.
    pub fn new(
        transport: T,
        config: NexoConfig,
        nonces: Box<dyn NonceSource + Send>,
        clock: Box<dyn TimeSource + Send>,
    ) -> Self {
        AdyenLocalClient {
            transport,
            config,
            nonces,
            clock,
            status_queries: 0,
        }
    }

    /// The transport (e.g. to inspect a simulator).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to inject a simulator fault).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    fn header(&self, category: &str, service_id: String) -> MessageHeader {
        MessageHeader {
            protocol_version: "3.0".to_owned(),
            message_class: "Service".to_owned(),
            message_category: category.to_owned(),
            message_type: "Request".to_owned(),
            service_id,
            sale_id: self.config.sale_id.clone(),
            poi_id: self.config.poi_id.clone(),
        }
    }

    /// Encrypts, sends, decrypts and checks that the answer is ours.
    fn call(&mut self, request: SaleToPoiRequest) -> Result<Answer, HwError> {
        let header = request.message_header.clone();
        let plaintext = serde_json::to_vec(&RequestEnvelope {
            sale_to_poi_request: request,
        })
        .map_err(|_| HwError::NexoMessageInvalid {
            at: "SaleToPOIRequest",
        })?;
        let header_json =
            serde_json::to_value(&header).map_err(|_| HwError::NexoMessageInvalid {
                at: "MessageHeader",
            })?;
        let secured = encrypt(
            header_json,
            &plaintext,
            &self.config.key,
            self.nonces.nonce(),
        );
        let wire = serde_json::to_vec(&SecuredEnvelope {
            request: Some(secured),
            response: None,
        })
        .map_err(|_| HwError::NexoMessageInvalid {
            at: "SaleToPOIRequest",
        })?;
        let answer = match self.transport.exchange(&wire) {
            Ok(answer) => answer,
            Err(TransportFailure::NotSent(kind)) => return Err(HwError::PaymentLink { kind }),
            Err(TransportFailure::NoAnswer) => {
                return Ok(Answer::Unknown(UnknownStage::RequestMaybeDelivered));
            }
        };
        Ok(match self.open(&answer, &header) {
            Some(body) => Answer::Body(Box::new(body)),
            None => Answer::Unknown(UnknownStage::AnswerUnreadable),
        })
    }

    fn open(&self, answer: &[u8], sent: &MessageHeader) -> Option<SaleToPoiResponse> {
        let envelope: SecuredEnvelope = serde_json::from_slice(answer).ok()?;
        let plaintext = decrypt(&envelope.response?, &self.config.key).ok()?;
        let body: ResponseEnvelope = serde_json::from_slice(&plaintext).ok()?;
        let response = body.sale_to_poi_response;
        let h = &response.message_header;
        (h.service_id == sent.service_id
            && h.sale_id == sent.sale_id
            && h.message_category == sent.message_category
            && h.message_type == "Response")
            .then_some(response)
    }

    fn now(&mut self) -> String {
        self.clock.timestamp()
    }
}

/// A JSON amount (`35.5`) as money with the currency's scale (`35.50`);
/// `None` when it has more decimals than the currency allows.
fn in_minor_units(amount: rust_decimal::Decimal, currency: Currency) -> Option<Money> {
    let mut amount = amount;
    if amount.scale() > currency.minor_units() {
        return None;
    }
    amount.rescale(currency.minor_units());
    Some(Money::new(amount, currency))
}

/// Reads a payment answer into an outcome. `None` when it is not readable.
pub(crate) fn payment_outcome(
    id: &TransactionId,
    response: &PaymentResponse,
    currency: Currency,
) -> Option<Outcome> {
    match response.response.result.as_str() {
        "Success" | "Partial" => {
            let result = response.payment_result.as_ref()?;
            let amounts = result.amounts_resp.as_ref()?;
            if amounts.currency != currency.code() {
                return None;
            }
            let card_data = result
                .payment_instrument_data
                .as_ref()
                .and_then(|p| p.card_data.as_ref());
            let card = card_data
                .and_then(|c| c.masked_pan.as_deref())
                .and_then(MaskedPan::from_reported);
            let scheme = card_data.and_then(|c| c.payment_brand.clone());
            let terminal_reference = response.poi_data.as_ref().map(|p| {
                format!(
                    "{} {}",
                    p.poi_transaction_id.transaction_id, p.poi_transaction_id.time_stamp
                )
            });
            Some(Outcome::Approved(Approval {
                id: id.clone(),
                amount: in_minor_units(amounts.authorized_amount, currency)?,
                tip: match amounts.tip_amount {
                    Some(tip) => Some(in_minor_units(tip, currency)?),
                    None => None,
                },
                authorization_code: result
                    .payment_acquirer_data
                    .as_ref()
                    .and_then(|a| a.approval_code.clone()),
                card,
                terminal_reference,
                scheme,
            }))
        }
        "Failure" => Some(Outcome::Declined {
            id: id.clone(),
            reason: match response.response.error_condition.as_deref() {
                Some("Refusal") => DeclineReason::Refused,
                Some("Cancel") | Some("Aborted") => DeclineReason::Cancelled,
                Some("NotAllowed") => DeclineReason::Unsupported,
                _ => DeclineReason::NotDone,
            },
        }),
        _ => None,
    }
}

impl<T: NexoTransport> PaymentTerminal for AdyenLocalClient<T> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            tip_on_terminal: true,
            offline: true,
            refunds: true,
            partial_approval: true,
            reversal: true,
            status_query: true,
        }
    }

    fn pay(&mut self, request: &PaymentRequest) -> Result<Outcome, HwError> {
        let currency = request.amount.currency();
        request.minor_units()?;
        let time_stamp = self.now();
        let nexo = SaleToPoiRequest {
            message_header: self.header("Payment", service_id("pay", request.id.as_str())),
            payment_request: Some(NexoPaymentRequest {
                sale_data: SaleData {
                    sale_transaction_id: TransactionIdentification {
                        transaction_id: request.id.as_str().to_owned(),
                        time_stamp,
                    },
                },
                payment_transaction: PaymentTransaction {
                    amounts_req: AmountsReq {
                        currency: currency.code().to_owned(),
                        requested_amount: request.amount.amount(),
                    },
                },
                payment_data: match request.kind {
                    PaymentKind::Sale => None,
                    PaymentKind::Refund => Some(PaymentData {
                        payment_type: "Refund".to_owned(),
                    }),
                },
            }),
            reversal_request: None,
            transaction_status_request: None,
        };
        let unreadable = Outcome::Unknown {
            id: request.id.clone(),
            stage: UnknownStage::AnswerUnreadable,
        };
        Ok(match self.call(nexo)? {
            Answer::Unknown(stage) => Outcome::Unknown {
                id: request.id.clone(),
                stage,
            },
            Answer::Body(body) => body
                .payment_response
                .as_ref()
                .and_then(|r| payment_outcome(&request.id, r, currency))
                .unwrap_or(unreadable),
        })
    }

    fn reverse(&mut self, id: &TransactionId, original: &Approval) -> Result<Outcome, HwError> {
        let (poi_id, poi_time) = original
            .terminal_reference
            .as_deref()
            .and_then(|r| r.split_once(' '))
            .ok_or(HwError::PaymentFieldInvalid {
                field: "terminal reference",
            })?;
        let nexo = SaleToPoiRequest {
            message_header: self.header("Reversal", service_id("reverse", id.as_str())),
            payment_request: None,
            reversal_request: Some(ReversalRequest {
                original_poi_transaction: OriginalPoiTransaction {
                    poi_transaction_id: TransactionIdentification {
                        transaction_id: poi_id.to_owned(),
                        time_stamp: poi_time.to_owned(),
                    },
                },
                reversal_reason: "MerchantCancel".to_owned(),
            }),
            transaction_status_request: None,
        };
        let unreadable = Outcome::Unknown {
            id: id.clone(),
            stage: UnknownStage::AnswerUnreadable,
        };
        Ok(match self.call(nexo)? {
            Answer::Unknown(stage) => Outcome::Unknown {
                id: id.clone(),
                stage,
            },
            Answer::Body(body) => match body.reversal_response {
                Some(r) if r.response.result == "Success" => Outcome::Approved(Approval {
                    id: id.clone(),
                    amount: r
                        .reversed_amount
                        .and_then(|a| in_minor_units(a, original.amount.currency()))
                        .unwrap_or(original.amount),
                    tip: None,
                    authorization_code: None,
                    card: original.card,
                    terminal_reference: original.terminal_reference.clone(),
                    scheme: original.scheme.clone(),
                }),
                Some(r) if r.response.result == "Failure" => Outcome::Declined {
                    id: id.clone(),
                    reason: DeclineReason::NotDone,
                },
                _ => unreadable,
            },
        })
    }

    fn transaction_status(&mut self, id: &TransactionId) -> Result<StatusAnswer, HwError> {
        self.status_queries = self.status_queries.wrapping_add(1);
        let own = format!("{}#{}", id.as_str(), self.status_queries);
        let nexo = SaleToPoiRequest {
            message_header: self.header("TransactionStatus", service_id("status", &own)),
            payment_request: None,
            reversal_request: None,
            transaction_status_request: Some(TransactionStatusRequest {
                message_reference: MessageReference {
                    message_category: "Payment".to_owned(),
                    service_id: service_id("pay", id.as_str()),
                    sale_id: self.config.sale_id.clone(),
                },
            }),
        };
        let invalid = HwError::NexoMessageInvalid {
            at: "TransactionStatusResponse",
        };
        let body = match self.call(nexo)? {
            Answer::Body(body) => body,
            Answer::Unknown(_) => {
                return Err(HwError::PaymentLink {
                    kind: std::io::ErrorKind::TimedOut,
                });
            }
        };
        let status = body.transaction_status_response.ok_or(invalid.clone())?;
        match (
            status.response.result.as_str(),
            status.response.error_condition.as_deref(),
        ) {
            ("Success", _) => {
                let payment = status
                    .repeated_message_response
                    .and_then(|r| r.repeated_response_message_body.payment_response)
                    .ok_or(invalid.clone())?;
                let currency = payment
                    .payment_result
                    .as_ref()
                    .and_then(|p| p.amounts_resp.as_ref())
                    .and_then(|a| Currency::from_code(&a.currency).ok());
                let outcome = match currency {
                    Some(currency) => payment_outcome(id, &payment, currency),
                    // A failed payment carries no amounts: its currency is moot.
                    None => payment_outcome(id, &payment, Currency::EUR),
                };
                outcome.map(StatusAnswer::Completed).ok_or(invalid)
            }
            ("Failure", Some("NotFound")) => Ok(StatusAnswer::NotFound),
            ("Failure", Some("InProgress")) => Ok(StatusAnswer::InProgress),
            _ => Err(invalid),
        }
    }
}
