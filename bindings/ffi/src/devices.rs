//! Device adapters that make sense from an app: the cash drawer kicked
//! through the receipt printer, and the customer (pole) display. Both write
//! ESC/POS bytes to a transport the app owns (USB, Bluetooth, serial).
//! Scales and payment terminals are not wrapped: their drivers run in Rust
//! on desktop tills (pos-hw), and mobile apps use their vendor's SDK.

use crate::PosError;
use crate::callbacks::PrinterTransport;
use crate::cart::Cart;
use crate::guard::{guard, lock};
use pos_hw::display::{CodePage, CustomerDisplay as _, EscPosDisplay, euros, two_columns};
use pos_hw::escpos::drawer::DrawerConfig;
use pos_hw::receipt::document::{DrawerPin, ReceiptDocument};
use std::sync::{Arc, Mutex};

/// Where customer display bytes go (its serial or USB port).
#[uniffi::export(with_foreign)]
pub trait DisplayTransport: Send + Sync {
    /// Writes all of `bytes` to the display.
    fn write(&self, bytes: Vec<u8>) -> Result<(), PosError>;
}

/// The character table a customer display is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DisplayCodePage {
    /// PC437, the power-on default: no `€`.
    Pc437,
    /// PC858: French letters and `€`.
    Pc858,
    /// Windows-1252: French letters and `€`.
    Wpc1252,
}

/// Kicks the cash drawer wired to the printer of `profile` (pin 2, or pin 5
/// for a second drawer), writing the pulse to the app's printer transport.
#[uniffi::export]
pub fn open_drawer(
    profile: String,
    second_drawer: bool,
    transport: Arc<dyn PrinterTransport>,
) -> Result<(), PosError> {
    guard(|| {
        let profile = pos_hw::printer::PrinterProfile::by_id(&profile)?;
        let mut drawer = DrawerConfig::default();
        if second_drawer {
            drawer.pin = DrawerPin::Pin5;
        }
        let mut doc = ReceiptDocument::new();
        doc.blocks.push(drawer.pulse());
        let bytes = pos_hw::escpos::encoder::encode(&doc, &profile)?;
        transport.write(bytes)
    })
}

/// `io::Write` over the app's display transport.
struct Port(Arc<dyn DisplayTransport>);

impl std::io::Write for Port {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .write(buf.to_vec())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A two-row, 20-column customer display (ESC/POS pole display).
#[derive(uniffi::Object)]
pub struct CustomerDisplay {
    inner: Mutex<EscPosDisplay<Port>>,
}

impl std::fmt::Debug for CustomerDisplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerDisplay").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl CustomerDisplay {
    /// A display behind the app's `transport`, set to `code_page`; it is
    /// reset and its character table selected now.
    #[uniffi::constructor]
    pub fn new(
        transport: Arc<dyn DisplayTransport>,
        code_page: DisplayCodePage,
    ) -> Result<Arc<CustomerDisplay>, PosError> {
        guard(|| {
            let code_page = match code_page {
                DisplayCodePage::Pc437 => CodePage::Pc437,
                DisplayCodePage::Pc858 => CodePage::Pc858,
                DisplayCodePage::Wpc1252 => CodePage::Wpc1252,
            };
            let mut display = EscPosDisplay::new(Port(transport), code_page);
            display.init()?;
            Ok(Arc::new(CustomerDisplay {
                inner: Mutex::new(display),
            }))
        })
    }

    /// Shows two rows (each cut or padded to 20 columns).
    pub fn show(&self, top: String, bottom: String) -> Result<(), PosError> {
        guard(|| Ok(lock(&self.inner).show(&top, &bottom)?))
    }

    /// Shows the cart's last line (label and amount) over its total.
    pub fn show_cart(&self, cart: &Cart) -> Result<(), PosError> {
        guard(|| {
            let (top, bottom) = {
                let cart = lock(&cart.inner);
                let top = cart.lines().last().map_or_else(String::new, |l| {
                    two_columns(l.label(), &euros(l.amount().amount()))
                });
                (top, two_columns("TOTAL", &euros(cart.total().amount())))
            };
            Ok(lock(&self.inner).show(&top, &bottom)?)
        })
    }

    /// Blanks the screen.
    pub fn clear(&self) -> Result<(), PosError> {
        guard(|| Ok(lock(&self.inner).clear()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_hw::display::DisplaySimulator;

    struct Screen(Mutex<DisplaySimulator>);

    impl DisplayTransport for Screen {
        fn write(&self, bytes: Vec<u8>) -> Result<(), PosError> {
            lock(&self.0).feed(&bytes);
            Ok(())
        }
    }

    struct Paper(Mutex<Vec<u8>>);

    impl PrinterTransport for Paper {
        fn write(&self, bytes: Vec<u8>) -> Result<(), PosError> {
            lock(&self.0).extend(bytes);
            Ok(())
        }
    }

    #[test]
    fn the_display_shows_what_was_asked_on_a_simulated_screen() {
        let screen = Arc::new(Screen(Mutex::new(DisplaySimulator::new())));
        let display = CustomerDisplay::new(screen.clone(), DisplayCodePage::Pc858).unwrap();
        display
            .show(
                "Baguette".into(),
                two_columns("TOTAL", &euros("1.3".parse().unwrap())),
            )
            .unwrap();
        let sim = lock(&screen.0);
        assert_eq!(sim.line(1).trim_end(), "Baguette");
        assert_eq!(sim.line(2), "TOTAL         1,30 €");
        assert_eq!(sim.code_page(), CodePage::Pc858);
        assert_eq!(sim.unknown_commands(), 0);
    }

    #[test]
    fn the_drawer_pulse_goes_to_the_printer_transport() {
        let paper = Arc::new(Paper(Mutex::new(Vec::new())));
        open_drawer("epson-tm-t20".into(), false, paper.clone()).unwrap();
        let decoded = pos_hw::escpos::decode(&lock(&paper.0));
        assert!(
            decoded
                .iter()
                .any(|d| matches!(d, pos_hw::escpos::Decoded::DrawerPulse { pin: 0, .. })),
            "{decoded:?}"
        );
        let e = open_drawer("no-such-printer".into(), false, paper).unwrap_err();
        assert!(matches!(e, PosError::Device { .. }), "{e:?}");
    }
}
