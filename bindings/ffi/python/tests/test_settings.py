"""Merchant settings through the binding: read, changed (each change a JET
270 in the till file), refused with the setting's own code, read back after
a restart, and printed on every stored copy of a ticket."""

import pytest

import pos_ffi
from conftest import config, ring_up, sell


def merchant(register, name="Fromagerie Bellecour"):
    s = register.settings()
    s.trader_name = name
    s.address = ["2 place Bellecour", "69002 Lyon"]
    s.siret = "404 833 048 00022"
    s.vat_number = "FR83404833048"
    s.receipt_link_base = "https://recus.fromagerie.fr"
    s.footer = ["À bientôt"]
    return s


def test_defaults_have_no_merchant_and_french_rules(register):
    s = register.settings()
    assert (s.trader_name, s.siret, s.vat_number) == ("", "", None)
    assert (s.currency, s.tax_mode, s.time_zone) == ("EUR", "inclusive", "Europe/Paris")
    assert (s.meal_voucher_cap, s.cash_rounding) == ("25", None)
    assert s.printer_profile == "epson-tm-t88"


def test_settings_are_kept_and_read_back_after_a_restart(tmp_path, clock):
    path = str(tmp_path / "till.sqlite")
    reg = pos_ffi.Register.open(path, config(), clock, None, 1)
    s = merchant(reg)
    s.tax_mode = "exclusive"
    s.cash_rounding = "0.05"
    s.logo = pos_ffi.Logo(width=8, height=2, bits=b"\xff\x81")
    assert reg.set_settings(s, "manager") is True
    assert reg.set_settings(s, "manager") is False  # nothing changed, nothing logged
    assert reg.set_setting("meal_voucher_cap", "19", "manager") is True
    del reg
    again = pos_ffi.Register.open(path, config(), clock, None, 2)
    got = again.settings()
    assert got.trader_name == "Fromagerie Bellecour"
    assert got.siret == "40483304800022"
    assert (got.tax_mode, got.cash_rounding, got.meal_voucher_cap) == ("exclusive", "0.05", "19")
    assert got.logo == pos_ffi.Logo(width=8, height=2, bits=b"\xff\x81")
    assert again.verify().intact


@pytest.mark.parametrize(
    "key,value,code",
    [
        ("siret", "40483304800023", "invalid_siret"),
        ("vat_number", "FR96552100554", "vat_number_mismatch"),
        ("currency", "XYZ", "unknown_currency"),
        ("time_zone", "Mars/Olympus", "unknown_time_zone"),
        ("meal_voucher_cap", "-1", "negative_meal_voucher_cap"),
        ("printer_profile", "laserjet", "unknown_printer_profile"),
        ("colour", "blue", "unknown_setting"),
    ],
)
def test_a_refused_value_raises_its_code_and_changes_nothing(register, key, value, code):
    register.set_settings(merchant(register), "manager")
    before = register.settings()
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.set_setting(key, value, "manager")
    assert e.value.code == code
    assert register.settings() == before


def test_a_bad_record_field_is_refused_whole(register):
    s = merchant(register)
    s.meal_voucher_cap = "-3"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.set_settings(s, "manager")
    assert e.value.code == "negative_meal_voucher_cap"
    assert register.settings().trader_name == ""


def test_stored_copies_print_the_merchant_signed_at_the_sale(tmp_path, clock):
    path = str(tmp_path / "till.sqlite")
    reg = pos_ffi.Register.open(path, config(), clock, None, 1)
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    with pytest.raises(pos_ffi.PosError) as e:
        sell(reg, ring_up(reg), (pos_ffi.TenderMethod.CASH(), "26.20"))
        reg.preview_receipt("T", 1, pos_ffi.ReceiptFormat.TEXT)
    assert e.value.code == "merchant_not_configured"
    reg.set_settings(merchant(reg), "manager")
    sell(reg, ring_up(reg), (pos_ffi.TenderMethod.CASH(), "26.20"))
    original = reg.print_stored_receipt("T", 2, pos_ffi.ReceiptFormat.HTML, "alice")
    assert original.kind == "sale"
    html = original.bytes.decode()
    assert "Fromagerie Bellecour" in html and "https://recus.fromagerie.fr/r/" in html
    reg.set_setting("trader_name", "Fromagerie Nouvelle", "manager")
    del reg
    reg = pos_ffi.Register.open(path, config(), clock, None, 2)
    dup = reg.print_stored_receipt("T", 2, pos_ffi.ReceiptFormat.HTML, "alice")
    assert dup.kind == "duplicate 1"
    text = dup.bytes.decode()
    assert "DUPLICATA" in text and "Fromagerie Bellecour" in text and "Nouvelle" not in text
    assert "https://recus.fromagerie.fr/r/" in text
    assert "démonstration" not in text
