"""公民身份号码 (MOD 11-2) and 统一社会信用代码 (MOD 31-3) checks."""

from datetime import date

import pytest

from app.people.identifiers import (
    IdentifierError,
    mask_id,
    parse_resident_id,
    ric_check_char,
    uscc_check_char,
    validate_uscc,
)


def ric(body17: str) -> str:
    return body17 + ric_check_char(body17)


def wrong_check(number: str) -> str:
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


# ---------------------------------------------------------------- 身份证


def test_published_sample_number_is_valid():
    # GB 11643 worked example: 11010519491231002X
    parsed = parse_resident_id("11010519491231002X")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # 顺序码 002: even
    assert parsed.region_code == "110105"


def test_check_char_is_computed_from_weights():
    assert ric_check_char("11010519491231002") == "X"
    assert ric_check_char("32010219850615001") == ric("32010219850615001")[-1]


@pytest.mark.parametrize(("seq", "sex"), [("001", "M"), ("002", "F"), ("013", "M"), ("998", "F")])
def test_sex_from_parity_of_sequence(seq, sex):
    assert parse_resident_id(ric(f"32010219850615{seq}")).sex == sex


def test_wrong_check_digit_rejected():
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(wrong_check(ric("32010219850615001")))
    assert exc.value.code == "id.checksum"


@pytest.mark.parametrize("birth", ["19850230", "19851301", "18991231", "20991231"])
def test_bad_birth_date_rejected(birth):
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(ric(f"320102{birth}001"), today=date(2025, 1, 1))
    assert exc.value.code == "id.birth_date"


def test_fifteen_digit_number_rejected():
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id("320102850615001")
    assert exc.value.code == "id.length"


def test_letters_inside_number_rejected():
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id("3201021985A615001X")
    assert exc.value.code == "id.format"


def test_lower_case_x_accepted_and_stored_upper_case():
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"
    # full-width Ｘ and spaces from copy-paste as well
    assert parse_resident_id(" 110105 19491231 002Ｘ").number == "11010519491231002X"


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_hmt_residence_permit_prefixes(prefix):
    number = ric(f"{prefix}19900101003")
    parsed = parse_resident_id(number, id_type="hmt_residence_permit")
    assert parsed.number == number
    assert parsed.birth_date == date(1990, 1, 1)


def test_hmt_permit_type_needs_81_82_83_prefix():
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(ric("32010219900101003"), id_type="hmt_residence_permit")
    assert exc.value.code == "id.region"


def test_retired_area_code_still_accepted():
    # 412723 (河南 周口 商水县 before renumbering) no longer exists, but numbers issued with it stay valid.
    number = ric("41272319700101001")
    assert parse_resident_id(number).region_code == "412723"


def test_junk_area_code_rejected():
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(ric("00000019700101001"))
    assert exc.value.code == "id.region"


def test_mask():
    assert mask_id("110105194912310021") == "1101**********0021"
    assert mask_id("1234") == "****"


# ---------------------------------------------------------------- 统一社会信用代码


def test_valid_uscc():
    code = uscc("91320102MA1XYK123")
    assert validate_uscc(code.lower()) == code


def test_published_uscc_example():
    # a real code format: 91350100M000100Y43
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_uscc_wrong_check_rejected():
    code = uscc("91320102MA1XYK123")
    bad = code[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[17])
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(bad)
    assert exc.value.code == "uscc.checksum"


@pytest.mark.parametrize("first", ["A", "N", "Y"])
def test_uscc_registration_authorities_a_n_y_accepted(first):
    code = uscc(f"{first}1320102MA1XYK123")
    assert validate_uscc(code) == code


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_letters_outside_alphabet_rejected(letter):
    body = f"91320102MA1XY{letter}123"
    with pytest.raises(IdentifierError) as exc:
        validate_uscc(body + "0")
    assert exc.value.code == "uscc.format"


def test_uscc_length():
    with pytest.raises(IdentifierError) as exc:
        validate_uscc("91320102MA1XYZ12")
    assert exc.value.code == "uscc.length"
