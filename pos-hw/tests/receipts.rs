//! Receipts end to end: French receipt from fixed facts, golden ESC/POS bytes
//! per printer profile (decoded back to text), code-page tables, AGEC cases,
//! a QR read by a real decoder (zbarimg), and the print queue against a fake
//! printer on a real TCP socket.
//!
//! Regenerate the golden files with
//! `POS_HW_BLESS=1 cargo test -p pos-hw --test receipts` and review the diff.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod receipts_support;

use std::path::PathBuf;

use pos_hw::escpos::{CodePage, Decoded, DrawerConfig, decode, text_lines};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{
    Bitmap, Block, OutputFormat, PrintDecision, PrintReason, ReceiptDocument, ReceiptFacts,
    ReceiptKind, build_for_till, build_french_receipt, print_decision, render,
};
use receipts_support::{fake_printer, golden, sale_facts, testdata};

#[test]
fn golden_escpos_bytes_per_profile_decode_to_the_receipt_text() {
    let facts = sale_facts();
    let doc = build_for_till(&facts, Some(&DrawerConfig::default()));
    for profile in PrinterProfile::builtin() {
        let bytes = render(&doc, OutputFormat::EscPos, &profile).unwrap();
        golden(&format!("sale.{}.bin", profile.id), &bytes);

        let lines = text_lines(&bytes);
        // What the paper shows, for a reader to check by eye.
        golden(
            &format!("sale.{}.decoded.txt", profile.id),
            (lines.join("\n") + "\n").as_bytes(),
        );
        let width = profile.width();
        for line in &lines {
            assert!(
                line.chars().count() <= width,
                "{}: line wider than {width}: {line:?}",
                profile.id
            );
        }
        let all = lines.join("\n");
        // Narrow paper wraps long lines: look for the words across line ends.
        let flat = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        for needle in [
            "Boulangerie Dupré",
            "12 rue de l'Église",
            "SIRET 12345678900012",
            "Opérateur Zoé",
            "Crème brûlée",
            "Comté affiné",
            "0,352 kg x 24,90",
            "TOTAL TTC",
            "Espèces",
            "Signature K7fQ",
            "Merci de votre visite, à bientôt !",
        ] {
            assert!(
                flat.contains(needle),
                "{}: missing {needle:?} in\n{all}",
                profile.id
            );
        }
        // € and Œ where the code page has them, substitutes where it does not.
        match profile.code_page {
            CodePage::Pc850 => {
                assert!(all.contains("20,77 EUR") && !all.contains('€'), "{all}");
                assert!(all.contains("OEufs plein air"), "{all}");
            }
            CodePage::Cp858 => {
                assert!(all.contains("20,77 €"), "{all}");
                assert!(all.contains("OEufs plein air"), "{all}");
            }
            CodePage::Wpc1252 | CodePage::Latin9 => {
                assert!(all.contains("20,77 €"), "{all}");
                assert!(all.contains("Œufs plein air"), "{all}");
            }
        }
        let items = decode(&bytes);
        assert_eq!(items[0], Decoded::Init);
        assert_eq!(items[1], Decoded::CodeTable(profile.code_page_number));
        // Cash was tendered: the drawer opens first, with a 5-byte pulse.
        assert_eq!(
            items[2],
            Decoded::DrawerPulse {
                pin: 0,
                on: 50,
                off: 250
            }
        );
        let qr = items.iter().find_map(|d| {
            if let Decoded::QrData(q) = d {
                Some(q.clone())
            } else {
                None
            }
        });
        let raster = items.iter().any(|d| matches!(d, Decoded::Raster { .. }));
        if profile.qr {
            assert_eq!(
                qr.as_deref(),
                Some(facts.receipt_url.as_deref().unwrap().as_bytes())
            );
        } else {
            assert!(
                qr.is_none() && raster,
                "{}: QR printed as a raster image",
                profile.id
            );
        }
        let cut = items.iter().any(|d| matches!(d, Decoded::Cut { mode: 66 }));
        assert_eq!(cut, profile.cut, "{}", profile.id);
        assert!(
            !items
                .iter()
                .any(|d| matches!(d, Decoded::Unknown(_) | Decoded::Truncated)),
            "{}: {items:?}",
            profile.id
        );
    }
}

#[test]
fn golden_text_html_and_svg() {
    let doc = build_french_receipt(&sale_facts());
    let profile = PrinterProfile::epson_tm_t88();
    let text = String::from_utf8(render(&doc, OutputFormat::Text, &profile).unwrap()).unwrap();
    golden("sale.epson-tm-t88.txt", text.as_bytes());
    assert!(text.lines().all(|l| l.chars().count() <= 42));

    let html = String::from_utf8(render(&doc, OutputFormat::Html, &profile).unwrap()).unwrap();
    assert!(html.contains("12 rue de l&#39;Église"));
    assert!(html.contains("<svg"));
    assert!(html.contains("href=\"https://tickets.example.fr/r/01/T-000042?k=K7fQ\""));

    let svg = String::from_utf8(render(&doc, OutputFormat::Svg, &profile).unwrap()).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<path fill=\"#000\" d=\"M"));
}

#[test]
fn receipt_kinds_print_their_mentions() {
    let base = sale_facts();
    let cases = [
        (ReceiptKind::Duplicate { number: 2 }, vec!["DUPLICATA n°2"]),
        (ReceiptKind::Training, vec!["MODE ÉCOLE"]),
        (
            ReceiptKind::ProvisionalBill,
            vec!["DOCUMENT PROVISOIRE", "Ne vaut pas ticket de caisse"],
        ),
        (
            ReceiptKind::Refund {
                original: "T-000041".into(),
            },
            vec!["REMBOURSEMENT", "Ticket d'origine n° T-000041"],
        ),
    ];
    for (kind, needles) in cases {
        let facts = ReceiptFacts {
            kind: kind.clone(),
            ..base.clone()
        };
        let doc = build_french_receipt(&facts);
        let bytes = render(&doc, OutputFormat::EscPos, &PrinterProfile::star_escpos()).unwrap();
        let text = text_lines(&bytes).join("\n");
        for needle in needles {
            // Double-width banners are laid out on 24 columns: they still fit.
            assert_eq!(
                text.matches(needle).count(),
                2,
                "{kind:?}: {needle:?} at top and foot\n{text}"
            );
        }
    }
    let sale = text_lines(
        &render(
            &build_french_receipt(&base),
            OutputFormat::EscPos,
            &PrinterProfile::star_escpos(),
        )
        .unwrap(),
    )
    .join("\n");
    assert!(!sale.contains("DUPLICATA") && !sale.contains("ÉCOLE"));
}

#[test]
fn durable_goods_carry_the_legal_warranty_mention() {
    let mut facts = sale_facts();
    let text = |f: &ReceiptFacts| {
        String::from_utf8(
            render(
                &build_french_receipt(f),
                OutputFormat::Text,
                &PrinterProfile::epson_tm_t20(),
            )
            .unwrap(),
        )
        .unwrap()
    };
    assert!(!text(&facts).contains("Garantie légale"));
    facts.lines[3].durable_good = true;
    let t = text(&facts);
    assert!(t.contains("Garantie légale de conformité"), "{t}");
}

#[test]
fn code_pages_match_the_reference_table_for_every_french_letter() {
    let table: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata().join("codepages.json")).unwrap())
            .unwrap();
    let pages = [
        ("pc850", CodePage::Pc850),
        ("cp858", CodePage::Cp858),
        ("wpc1252", CodePage::Wpc1252),
        ("latin9", CodePage::Latin9),
    ];
    let mut checked = 0;
    for (name, page) in pages {
        for (letter, expected) in table["pages"][name].as_object().unwrap() {
            let c = letter.chars().next().unwrap();
            let expected = expected
                .as_str()
                .map(|h| u8::from_str_radix(&h[2..], 16).unwrap());
            assert_eq!(page.encode_char(c), expected, "{name} {letter}");
            if let Some(b) = expected {
                assert_eq!(page.decode_byte(b), Some(c), "{name} {b:#04x}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 40);
}

#[test]
fn agec_cases_from_the_table() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata().join("agec.json")).unwrap())
            .unwrap();
    for case in cases["cases"].as_array().unwrap() {
        let mut facts = sale_facts();
        for line in &mut facts.lines {
            line.weighed = false;
        }
        facts.lines[0].durable_good = case["durable_good"].as_bool().unwrap();
        facts.lines[2].weighed = case["weighed"].as_bool().unwrap();
        facts.payments[0].cancelled = case["cancelled_card"].as_bool().unwrap();
        let decision = print_decision(&facts, case["customer_asked"].as_bool().unwrap());
        let expected = match case["expect"].as_str().unwrap() {
            "no" => PrintDecision::DoNotPrint,
            "request" => PrintDecision::Print(PrintReason::CustomerRequest),
            "durable" => PrintDecision::Print(PrintReason::DurableGoodWarranty),
            "weighed" => PrintDecision::Print(PrintReason::WeighedGoods),
            "cancelled_card" => PrintDecision::Print(PrintReason::CancelledCardPayment),
            other => panic!("unknown expectation {other}"),
        };
        assert_eq!(decision, expected, "{}", case["name"]);
    }
}

/// Renders the receipt as PNG and reads the QR code back with zbarimg.
#[test]
fn qr_in_png_receipt_decodes_with_zbarimg() {
    let facts = sale_facts();
    let png = render(
        &build_french_receipt(&facts),
        OutputFormat::Png,
        &PrinterProfile::epson_tm_t20(),
    )
    .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(zbarimg(&png).trim_end(), facts.receipt_url.unwrap());
}

#[test]
fn png_of_a_logo_receipt_has_the_logo_pixels() {
    let mut doc = ReceiptDocument::new();
    doc.push(Block::Logo {
        bitmap: Bitmap {
            width: 16,
            height: 2,
            bits: vec![0xFF, 0xFF, 0x00, 0x00],
        },
    });
    let png = render(&doc, OutputFormat::Png, &PrinterProfile::generic_58mm()).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn queue_over_tcp_prints_and_reports_status() {
    use pos_hw::printer::{JobKind, JobOutcome, MemoryLedger, PrintQueue, TcpTransport};
    use std::time::Duration;

    let facts = sale_facts();
    let profile = PrinterProfile::epson_tm_t20();
    let bytes = render(
        &build_for_till(&facts, Some(&DrawerConfig::default())),
        OutputFormat::EscPos,
        &profile,
    )
    .unwrap();

    let printer = fake_printer::FakePrinter::start([0x12, 0x12, 0x12, 0x1E]);
    let transport = TcpTransport::new(printer.addr, Duration::from_secs(5));
    let mut queue = PrintQueue::new(transport, MemoryLedger::default());
    let kind = JobKind::for_receipt(&facts.kind, &facts.ticket_number);
    queue.submit(kind.clone(), bytes.clone()).unwrap();
    let reports = queue.run_all();
    assert_eq!(
        reports[0].outcome,
        JobOutcome::Printed {
            paper_near_end: true
        }
    );
    assert!(matches!(
        queue.submit(kind, bytes.clone()),
        Err(pos_hw::HwError::AlreadyPrinted { .. })
    ));

    // The duplicate prints, with its mention.
    let dup = ReceiptFacts {
        kind: ReceiptKind::Duplicate { number: 1 },
        ..facts.clone()
    };
    let dup_bytes = render(&build_french_receipt(&dup), OutputFormat::EscPos, &profile).unwrap();
    queue
        .submit(
            JobKind::for_receipt(&dup.kind, &dup.ticket_number),
            dup_bytes.clone(),
        )
        .unwrap();
    assert_eq!(
        queue.run_all()[0].outcome,
        JobOutcome::Printed {
            paper_near_end: true
        }
    );
    drop(queue);

    let received = printer.finish();
    // The printer got exactly the receipt bytes, then the duplicate: status
    // requests are answered, not printed.
    assert_eq!(received.print_bytes, [bytes, dup_bytes].concat());
    assert_eq!(received.status_requests, 16);
}

#[test]
fn queue_over_tcp_paper_out_sends_nothing() {
    use pos_hw::printer::{JobKind, JobOutcome, MemoryLedger, PrintQueue, TcpTransport};
    use std::time::Duration;

    let printer = fake_printer::FakePrinter::start([0x1A, 0x32, 0x12, 0x72]);
    let mut queue = PrintQueue::new(
        TcpTransport::new(printer.addr, Duration::from_secs(5)),
        MemoryLedger::default(),
    );
    queue
        .submit(
            JobKind::Original {
                ticket: "T-1".into(),
            },
            b"hello\n".to_vec(),
        )
        .unwrap();
    assert_eq!(queue.run_all()[0].outcome, JobOutcome::PaperOut);
    assert!(
        !queue.ledger().printed.contains("T-1"),
        "not printed: may be printed later"
    );
    drop(queue);
    assert!(printer.finish().print_bytes.is_empty());
}

#[test]
fn queue_over_tcp_connection_lost_mid_job_is_unknown_and_not_resent() {
    use pos_hw::printer::{JobKind, JobOutcome, MemoryLedger, PrintQueue, TcpTransport};
    use std::time::Duration;

    let printer = fake_printer::FakePrinter::start_hanging_up_after([0x12; 4], 100);
    let mut queue = PrintQueue::new(
        TcpTransport::new(printer.addr, Duration::from_secs(2)),
        MemoryLedger::default(),
    );
    queue
        .submit(
            JobKind::Original {
                ticket: "T-9".into(),
            },
            vec![b'x'; 4_000_000],
        )
        .unwrap();
    let report = queue.run_all().remove(0);
    assert!(
        matches!(
            report.outcome,
            JobOutcome::UnknownOutcome { kind: Some(_), .. }
        ),
        "{report:?}"
    );
    assert!(
        queue.ledger().printed.contains("T-9"),
        "may have printed: a reprint must be a duplicate"
    );
    drop(queue);
    let got = printer.finish();
    assert!(got.print_bytes.len() >= 100 && got.print_bytes.len() < 4_000_000);
}

#[test]
fn queue_over_tcp_refused_connection_is_retried_then_reported() {
    use pos_hw::printer::{JobKind, JobOutcome, MemoryLedger, PrintQueue, TcpTransport};
    use std::time::Duration;

    // A port nobody listens on: bind, read the port, close.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut queue = PrintQueue::new(
        TcpTransport::new(addr, Duration::from_millis(500)),
        MemoryLedger::default(),
    )
    .with_max_attempts(3);
    queue
        .submit(
            JobKind::Original {
                ticket: "T-2".into(),
            },
            b"x".to_vec(),
        )
        .unwrap();
    let outcome = queue.run_all()[0].outcome;
    assert!(
        matches!(outcome, JobOutcome::TransportError { attempts: 3, .. }),
        "{outcome:?}"
    );
    assert!(!queue.ledger().printed.contains("T-2"));
}

#[test]
fn file_transport_appends_without_status() {
    use pos_hw::printer::{FileTransport, JobKind, JobOutcome, MemoryLedger, PrintQueue};
    let dir = std::env::temp_dir().join(format!("pos-hw-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("lp0");
    let mut queue = PrintQueue::new(FileTransport::new(&path), MemoryLedger::default());
    queue.submit(JobKind::NonFiscal, b"abc".to_vec()).unwrap();
    queue.submit_drawer(b"def".to_vec());
    let outcomes: Vec<_> = queue.run_all().into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, vec![JobOutcome::Sent, JobOutcome::Sent]);
    assert_eq!(std::fs::read(&path).unwrap(), b"abcdef");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn serial_transport_reports_a_missing_device() {
    use pos_hw::printer::{SerialFlow, SerialTransport};
    let err = SerialTransport::open(
        "/dev/does-not-exist-pos",
        9600,
        SerialFlow::None,
        std::time::Duration::from_millis(100),
    )
    .unwrap_err();
    assert!(matches!(err, pos_hw::HwError::Transport { .. }), "{err:?}");
}

/// A real tty: the queue prints over one end of a pseudo-terminal pair while
/// a printer thread on the other end records bytes and answers status.
#[test]
fn serial_transport_prints_over_a_pty_pair() {
    use pos_hw::printer::{
        JobKind, JobOutcome, MemoryLedger, PrintQueue, SerialFlow, SerialTransport,
    };
    use serialport::SerialPort;
    use std::io::{Read, Write};
    use std::time::Duration;

    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    let transport =
        SerialTransport::open(&path, 19200, SerialFlow::None, Duration::from_secs(5)).unwrap();
    drop(slave);
    master.set_timeout(Duration::from_millis(200)).unwrap();
    let job = "Crème brûlée 3,50 €\n".as_bytes().to_vec();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done2 = std::sync::Arc::clone(&done);
    // The master end stays open until the queue is done: closing it would
    // discard replies the slave has not read yet.
    let printer = std::thread::spawn(move || {
        let (mut printed, mut requests, mut pending) = (Vec::new(), 0, Vec::new());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !done2.load(std::sync::atomic::Ordering::SeqCst)
            && std::time::Instant::now() < deadline
        {
            let mut buf = [0u8; 256];
            if let Ok(n) = master.read(&mut buf) {
                pending.extend_from_slice(&buf[..n]);
            }
            while !pending.is_empty() {
                if pending[0] == 0x10 {
                    if pending.len() < 3 {
                        break;
                    }
                    master.write_all(&[0x12]).unwrap();
                    requests += 1;
                    pending.drain(..3);
                } else {
                    printed.push(pending.remove(0));
                }
            }
        }
        (printed, requests)
    });
    let mut queue = PrintQueue::new(transport, MemoryLedger::default());
    queue.submit(JobKind::NonFiscal, job.clone()).unwrap();
    let outcome = queue.run_all()[0].outcome;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (printed, requests) = printer.join().unwrap();
    assert_eq!(
        outcome,
        JobOutcome::Printed {
            paper_near_end: false
        }
    );
    assert_eq!(printed, job);
    assert_eq!(requests, 8);
}

/// EAN-13 and CODE128 drawn in the PNG read back with zbarimg.
#[test]
fn barcodes_in_png_decode_with_zbarimg() {
    use pos_hw::receipt::BarcodeKind;
    let mut doc = ReceiptDocument::new();
    doc.push(Block::Barcode {
        kind: BarcodeKind::Ean13,
        data: "301762042200".into(),
    });
    doc.push(Block::Feed { lines: 2 });
    doc.push(Block::Barcode {
        kind: BarcodeKind::Code128,
        data: "T-000042 {01}".into(),
    });
    let png = render(&doc, OutputFormat::Png, &PrinterProfile::epson_tm_t20()).unwrap();
    let decoded = zbarimg(&png);
    let mut found: Vec<&str> = decoded.lines().collect();
    found.sort_unstable();
    assert_eq!(found, vec!["3017620422003", "T-000042 {01}"]);
}

/// Runs `zbarimg --raw -q` on a PNG; fails (never skips) without zbar-tools.
fn zbarimg(png: &[u8]) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pos-hw-zbar-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("receipt.png");
    std::fs::write(&path, png).unwrap();
    let output = match std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            panic!("zbarimg is needed for this test ({e}): run `apt-get install -y zbar-tools`")
        }
    };
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        output.status.success(),
        "zbarimg found nothing or failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn html_barcode_is_inline_svg_and_bad_data_is_refused() {
    use pos_hw::receipt::BarcodeKind;
    let mut doc = ReceiptDocument::new();
    doc.push(Block::Barcode {
        kind: BarcodeKind::Ean13,
        data: "3017620422003".into(),
    });
    let html = String::from_utf8(
        render(&doc, OutputFormat::Html, &PrinterProfile::epson_tm_t88()).unwrap(),
    )
    .unwrap();
    assert!(html.contains("<svg") && html.contains("3017620422003"));
    let mut bad = ReceiptDocument::new();
    bad.push(Block::Barcode {
        kind: BarcodeKind::Ean13,
        data: "3017620422004".into(),
    });
    for format in [
        OutputFormat::EscPos,
        OutputFormat::Html,
        OutputFormat::Png,
        OutputFormat::Svg,
    ] {
        assert_eq!(
            render(&bad, format, &PrinterProfile::epson_tm_t88()),
            Err(pos_hw::HwError::PrintBarcodeData {
                kind: BarcodeKind::Ean13
            }),
            "{format:?}"
        );
    }
}

/// On the 58 mm printer (no native QR) the QR code is a raster image: cut it
/// out of the golden bytes and read it with zbarimg.
#[test]
fn raster_qr_of_the_58mm_golden_decodes_with_zbarimg() {
    let bytes = std::fs::read(testdata().join("sale.generic-58mm.bin")).unwrap();
    let (width_bytes, height, bits) = decode(&bytes)
        .into_iter()
        .find_map(|d| {
            if let Decoded::Raster {
                width_bytes,
                height,
                bits,
            } = d
            {
                Some((width_bytes, height, bits))
            } else {
                None
            }
        })
        .expect("a raster QR code");
    // Put it on a white page with a wide quiet zone, as it would be on paper.
    let qr = Bitmap {
        width: width_bytes * 8,
        height,
        bits,
    };
    let mut page = ReceiptDocument::new();
    page.push(Block::Feed { lines: 2 });
    page.push(Block::Logo { bitmap: qr });
    page.push(Block::Feed { lines: 2 });
    let png = render(&page, OutputFormat::Png, &PrinterProfile::generic_58mm()).unwrap();
    assert_eq!(zbarimg(&png).trim_end(), sale_facts().receipt_url.unwrap());
}

#[test]
fn every_format_renders_for_every_profile_and_documents_round_trip_as_json() {
    use pos_hw::receipt::render_receipt;
    let facts = sale_facts();
    for profile in PrinterProfile::builtin() {
        for format in [
            OutputFormat::EscPos,
            OutputFormat::Text,
            OutputFormat::Html,
            OutputFormat::Png,
            OutputFormat::Svg,
        ] {
            let out = render_receipt(&facts, format, &profile).unwrap();
            assert!(out.len() > 200, "{} {format:?}", profile.id);
        }
    }
    let doc = build_for_till(&facts, Some(&DrawerConfig::default()));
    let json = serde_json::to_string(&doc).unwrap();
    let back: ReceiptDocument = serde_json::from_str(&json).unwrap();
    assert_eq!(back, doc);
    let facts_json = serde_json::to_string(&facts).unwrap();
    assert_eq!(
        serde_json::from_str::<ReceiptFacts>(&facts_json).unwrap(),
        facts
    );
}

/// A card payment with its reference prints the card-slip lines (scheme and
/// masked number, AUTO code, reference) in every format; a refund to card
/// names the charge it pays back. Golden text for 80 and 58 mm.
#[test]
fn card_references_print_as_a_card_slip() {
    use pos_core::tender::{CardReference, CardScheme, EntryMode, MaskedPan};
    let charge = CardReference::new("pi_3PqRsT2eZvKYlo2C")
        .unwrap()
        .with_authorisation_code("123456")
        .unwrap()
        .with_masked_pan(MaskedPan::new("497010******1234").unwrap())
        .with_scheme(CardScheme::Cb)
        .with_entry_mode(EntryMode::Contactless);
    let mut facts = sale_facts();
    facts.payments[0].card = Some(charge.clone());
    let needles = [
        "CB **** **** **** 1234",
        "AUTO 123456 SANS CONTACT",
        "Réf. pi_3PqRsT2eZvKYlo2C",
    ];
    for profile in [
        PrinterProfile::epson_tm_t88(),
        PrinterProfile::generic_58mm(),
    ] {
        let doc = build_french_receipt(&facts);
        let text = String::from_utf8(render(&doc, OutputFormat::Text, &profile).unwrap()).unwrap();
        golden(&format!("card_sale.{}.txt", profile.id), text.as_bytes());
        let escpos = text_lines(&render(&doc, OutputFormat::EscPos, &profile).unwrap()).join("\n");
        let html = String::from_utf8(render(&doc, OutputFormat::Html, &profile).unwrap()).unwrap();
        for needle in needles {
            assert!(text.contains(needle), "{}: {needle}\n{text}", profile.id);
            assert!(escpos.contains(needle), "{}: {needle}", profile.id);
            assert!(html.contains(needle), "{}: {needle}", profile.id);
        }
        // Only the masked form, never the BIN, is printed.
        assert!(!text.contains("497010"));
        // The images (text drawn as pixels / paths) carry the extra lines.
        let plain = build_french_receipt(&sale_facts());
        for format in [OutputFormat::Png, OutputFormat::Svg] {
            let with = render(&doc, format, &profile).unwrap();
            let without = render(&plain, format, &profile).unwrap();
            assert_ne!(with, without, "{} {format:?}", profile.id);
        }
    }
    let mut refund = sale_facts();
    refund.kind = ReceiptKind::Refund {
        original: "T-000041".into(),
    };
    refund.payments[0].card = Some(CardReference::refund_of(&charge));
    let text = String::from_utf8(
        render(
            &build_french_receipt(&refund),
            OutputFormat::Text,
            &PrinterProfile::epson_tm_t88(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(text.contains("Remb. de pi_3PqRsT2eZvKYlo2C"), "{text}");
    assert!(text.contains("CB **** **** **** 1234"));
    assert!(!text.contains("AUTO"));
}
