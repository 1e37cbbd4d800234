//! Fuzzes pos-sync's wire decoders: any bytes given to every decoder must
//! decode or return a typed error, never panic; a decoded message
//! re-encodes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_sync::wire;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = wire::decode_push_request(data) {
        let again = wire::encode(&m).expect("a push request re-encodes");
        assert_eq!(wire::decode_push_request(&again).expect("re-decodes"), m);
    }
    if let Ok(m) = wire::decode_pull_request(data) {
        let again = wire::encode(&m).expect("a pull request re-encodes");
        assert_eq!(wire::decode_pull_request(&again).expect("re-decodes"), m);
    }
    if let Ok(m) = wire::decode_push_response(data) {
        let again = wire::encode(&m).expect("a push response re-encodes");
        assert_eq!(wire::decode_push_response(&again).expect("re-decodes"), m);
    }
    if let Ok(m) = wire::decode_pull_response(data) {
        let again = wire::encode(&m).expect("a pull response re-encodes");
        assert_eq!(wire::decode_pull_response(&again).expect("re-decodes"), m);
    }
    let _ = wire::decode_enroll_request(data);
    let _ = wire::decode_enroll_response(data);
    let _ = wire::decode_error(data);
});
