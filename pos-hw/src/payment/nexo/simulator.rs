//! An Adyen terminal simulator in local mode: decrypts and checks requests
//! with the shared key, answers encrypted, remembers every payment by its
//! `ServiceID` so status queries and the "charged once" checks work.
//!
//! Deterministic: nonces come from a counter, time stamps are echoed from
//! the request.

use super::crypto::{SecurityKey, decrypt, encrypt};
use super::message::{
    AmountsResp, CardData, MessageHeader, PaymentAcquirerData, PaymentInstrumentData,
    PaymentResponse, PaymentResult, PoiData, RepeatedMessageResponse, RepeatedResponseMessageBody,
    RequestEnvelope, ResponseEnvelope, ResultBlock, ReversalResponse, SaleToPoiRequest,
    SaleToPoiResponse, SecuredEnvelope, TransactionIdentification, TransactionStatusResponse,
};
use super::transport::{NexoTransport, TransportFailure};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};

/// A failure to rehearse on the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NexoFault {
    /// The request is lost on the way: nothing processed, no answer.
    DropRequest,
    /// The request is processed (money moves) but the answer is lost.
    DropAnswer,
    /// The next status query answers `InProgress`.
    StatusInProgress,
}

/// The simulator's behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NexoSimConfig {
    /// The shared key.
    pub key: SecurityKey,
    /// Amounts from this one up are refused.
    pub decline_from: Option<Decimal>,
    /// Approve at most this much (a partial approval beyond it).
    pub partial_cap: Option<Decimal>,
    /// A tip the "customer" adds on the terminal.
    pub tip: Option<Decimal>,
}

#[derive(Debug, Clone)]
struct Stored {
    header: MessageHeader,
    response: PaymentResponse,
    refund: bool,
    reversed: bool,
}

/// The simulated terminal.
#[derive(Debug, Clone)]
pub struct AdyenSimulator {
    config: NexoSimConfig,
    faults: VecDeque<NexoFault>,
    payments: BTreeMap<String, Stored>,
    counter: u64,
    requests_seen: u64,
}

impl AdyenSimulator {
    /// A simulator answering with `config`.
    pub fn new(config: NexoSimConfig) -> Self {
        AdyenSimulator {
            config,
            faults: VecDeque::new(),
            payments: BTreeMap::new(),
            counter: 0,
            requests_seen: 0,
        }
    }

    /// Queues a fault.
    pub fn inject(&mut self, fault: NexoFault) {
        self.faults.push_back(fault);
    }

    /// Requests that reached the terminal (dropped ones excluded).
    pub fn requests_seen(&self) -> u64 {
        self.requests_seen
    }

    /// Approved sales not reversed, in order of `ServiceID`.
    pub fn charges(&self) -> usize {
        self.payments
            .values()
            .filter(|p| !p.refund && !p.reversed && p.response.response.result != "Failure")
            .count()
    }

    /// Net amount taken from cards: sales minus refunds, reversals excluded.
    pub fn net_charged(&self) -> Decimal {
        self.payments
            .values()
            .filter(|p| !p.reversed)
            .filter_map(|p| {
                let amount = p
                    .response
                    .payment_result
                    .as_ref()?
                    .amounts_resp
                    .as_ref()?
                    .authorized_amount;
                Some(if p.refund {
                    Decimal::ZERO.checked_sub(amount)?
                } else {
                    amount
                })
            })
            .fold(Decimal::ZERO, |acc, a| acc.checked_add(a).unwrap_or(acc))
    }

    fn take_fault(&mut self, fault: NexoFault) -> bool {
        if self.faults.front() == Some(&fault) {
            self.faults.pop_front();
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        self.counter
    }

    fn seal(&mut self, response: SaleToPoiResponse) -> Result<Vec<u8>, TransportFailure> {
        let header = serde_json::to_value(&response.message_header)
            .map_err(|_| TransportFailure::NoAnswer)?;
        let plaintext = serde_json::to_vec(&ResponseEnvelope {
            sale_to_poi_response: response,
        })
        .map_err(|_| TransportFailure::NoAnswer)?;
        let n = self.next();
        let digest = Sha256::digest(format!("pos-hw nexo simulator nonce {n}").as_bytes());
        let mut nonce = [0u8; 16];
        for (slot, byte) in nonce.iter_mut().zip(digest.iter()) {
            *slot = *byte;
        }
        let secured = encrypt(header, &plaintext, &self.config.key, nonce);
        serde_json::to_vec(&SecuredEnvelope {
            request: None,
            response: Some(secured),
        })
        .map_err(|_| TransportFailure::NoAnswer)
    }

    fn pay(
        &mut self,
        header: &MessageHeader,
        request: &super::message::PaymentRequest,
    ) -> PaymentResponse {
        if let Some(done) = self.payments.get(&header.service_id) {
            // A repeated ServiceID: the terminal answers the same again.
            return done.response.clone();
        }
        let asked = request.payment_transaction.amounts_req.requested_amount;
        let currency = request.payment_transaction.amounts_req.currency.clone();
        let refund = request
            .payment_data
            .as_ref()
            .is_some_and(|d| d.payment_type == "Refund");
        let time_stamp = request.sale_data.sale_transaction_id.time_stamp.clone();
        let declined = self.config.decline_from.is_some_and(|limit| asked >= limit);
        let n = self.next();
        let response = if declined {
            PaymentResponse {
                response: ResultBlock {
                    result: "Failure".to_owned(),
                    error_condition: Some("Refusal".to_owned()),
                },
                sale_data: Some(request.sale_data.clone()),
                poi_data: None,
                payment_result: None,
            }
        } else {
            let approved = self.config.partial_cap.map_or(asked, |cap| asked.min(cap));
            PaymentResponse {
                response: ResultBlock {
                    result: if approved < asked {
                        "Partial"
                    } else {
                        "Success"
                    }
                    .to_owned(),
                    error_condition: None,
                },
                sale_data: Some(request.sale_data.clone()),
                poi_data: Some(PoiData {
                    poi_transaction_id: TransactionIdentification {
                        transaction_id: format!("SIM{n:08}"),
                        time_stamp,
                    },
                }),
                payment_result: Some(PaymentResult {
                    amounts_resp: Some(AmountsResp {
                        currency,
                        authorized_amount: approved,
                        tip_amount: if refund { None } else { self.config.tip },
                    }),
                    payment_instrument_data: Some(PaymentInstrumentData {
                        card_data: Some(CardData {
                            masked_pan: Some("541333...0019".to_owned()),
                            payment_brand: Some("mc".to_owned()),
                        }),
                    }),
                    payment_acquirer_data: Some(PaymentAcquirerData {
                        approval_code: Some(format!("{:06}", n.wrapping_mul(7919) % 1_000_000)),
                    }),
                }),
            }
        };
        self.payments.insert(
            header.service_id.clone(),
            Stored {
                header: response_header(header),
                response: response.clone(),
                refund,
                reversed: false,
            },
        );
        response
    }

    fn reverse(&mut self, request: &super::message::ReversalRequest) -> ReversalResponse {
        let wanted = &request
            .original_poi_transaction
            .poi_transaction_id
            .transaction_id;
        let found = self.payments.values_mut().find(|p| {
            p.response
                .poi_data
                .as_ref()
                .is_some_and(|d| &d.poi_transaction_id.transaction_id == wanted)
        });
        match found {
            Some(stored) if !stored.reversed => {
                stored.reversed = true;
                ReversalResponse {
                    response: ResultBlock {
                        result: "Success".to_owned(),
                        error_condition: None,
                    },
                    reversed_amount: stored
                        .response
                        .payment_result
                        .as_ref()
                        .and_then(|r| r.amounts_resp.as_ref())
                        .map(|a| a.authorized_amount),
                }
            }
            _ => ReversalResponse {
                response: ResultBlock {
                    result: "Failure".to_owned(),
                    error_condition: Some("NotAllowed".to_owned()),
                },
                reversed_amount: None,
            },
        }
    }

    fn status(
        &mut self,
        request: &super::message::TransactionStatusRequest,
    ) -> TransactionStatusResponse {
        if self.take_fault(NexoFault::StatusInProgress) {
            return TransactionStatusResponse {
                response: ResultBlock {
                    result: "Failure".to_owned(),
                    error_condition: Some("InProgress".to_owned()),
                },
                repeated_message_response: None,
            };
        }
        match self.payments.get(&request.message_reference.service_id) {
            Some(stored) => TransactionStatusResponse {
                response: ResultBlock {
                    result: "Success".to_owned(),
                    error_condition: None,
                },
                repeated_message_response: Some(RepeatedMessageResponse {
                    message_header: stored.header.clone(),
                    repeated_response_message_body: RepeatedResponseMessageBody {
                        payment_response: Some(stored.response.clone()),
                    },
                }),
            },
            None => TransactionStatusResponse {
                response: ResultBlock {
                    result: "Failure".to_owned(),
                    error_condition: Some("NotFound".to_owned()),
                },
                repeated_message_response: None,
            },
        }
    }

    fn handle(&mut self, request: SaleToPoiRequest) -> SaleToPoiResponse {
        let header = request.message_header;
        let mut response = SaleToPoiResponse {
            message_header: response_header(&header),
            payment_response: None,
            reversal_response: None,
            transaction_status_response: None,
        };
        if let Some(payment) = &request.payment_request {
            response.payment_response = Some(self.pay(&header, payment));
        } else if let Some(reversal) = &request.reversal_request {
            response.reversal_response = Some(self.reverse(reversal));
        } else if let Some(status) = &request.transaction_status_request {
            response.transaction_status_response = Some(self.status(status));
        }
        response
    }
}

fn response_header(request: &MessageHeader) -> MessageHeader {
    MessageHeader {
        message_type: "Response".to_owned(),
        ..request.clone()
    }
}

impl NexoTransport for AdyenSimulator {
    fn exchange(&mut self, wire: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        if self.take_fault(NexoFault::DropRequest) {
            return Err(TransportFailure::NoAnswer);
        }
        self.requests_seen = self.requests_seen.saturating_add(1);
        let envelope: SecuredEnvelope =
            serde_json::from_slice(wire).map_err(|_| TransportFailure::NoAnswer)?;
        let secured = envelope.request.ok_or(TransportFailure::NoAnswer)?;
        let plaintext =
            decrypt(&secured, &self.config.key).map_err(|_| TransportFailure::NoAnswer)?;
        let request: RequestEnvelope =
            serde_json::from_slice(&plaintext).map_err(|_| TransportFailure::NoAnswer)?;
        let response = self.handle(request.sale_to_poi_request);
        if self.take_fault(NexoFault::DropAnswer) {
            return Err(TransportFailure::NoAnswer);
        }
        self.seal(response)
    }
}
