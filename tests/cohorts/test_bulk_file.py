"""Reading CSV files of people: encodings, columns, and every kind of bad file."""

from __future__ import annotations

import codecs

import pytest

from lms.cohorts.bulk import read_people
from lms.errors import InvalidInput

LIMITS = {"max_rows": 5000, "max_bytes": 4 * 1024 * 1024}


def read(data: bytes, **limits: int):
    return read_people(data, **{**LIMITS, **limits})


def problem(data: bytes, **limits: int) -> str:
    with pytest.raises(InvalidInput) as caught:
        read(data, **limits)
    assert caught.value.field_errors == {"file": caught.value.message}
    return caught.value.message


def test_headers_are_case_insensitive_in_any_order_with_aliases():
    people = read(
        b"Organisation ,E-mail Address,FULL NAME,Service Number,Shoe size\r\n"
        b'Leeds Centre,sam@example.org,"Jones, Sam",A1,42\r\n'
    )
    assert people.columns == ["name", "email", "organisation", "service_number"]
    row = people.rows[0]
    assert (row["name"], row["email"], row["organisation"], row["service_number"]) == (
        "Jones, Sam",
        "sam@example.org",
        "Leeds Centre",
        "A1",
    )
    assert row["username"] == "" and row["line"] == "2"
    assert any("Shoe size" in note for note in people.notes)


def test_utf8_with_a_byte_order_mark():
    people = read(codecs.BOM_UTF8 + "name,username,organisation\nSiân,sian,Cardiff\n".encode())
    assert people.rows[0]["name"] == "Siân" and people.notes == []


def test_windows_text_is_read_as_cp1252_and_says_so():
    people = read("name,username,organisation\nZoë Brontë,zoe,Haworth\n".encode("cp1252"))
    assert people.rows[0]["name"] == "Zoë Brontë"
    assert "cp1252" in people.notes[0] and "UTF-8" in people.notes[0]


def test_utf16_from_excel_unicode_text():
    people = read("name\tusername\torganisation\nAoife\taoife\tDublin\n".encode("utf-16"))
    assert people.rows[0]["username"] == "aoife"


def test_semicolons_are_understood():
    people = read(b"name;email;organisation\nSam;sam@example.org;Leeds\n")
    assert people.rows[0]["email"] == "sam@example.org"


def test_blank_lines_are_skipped_and_lines_numbered_as_in_the_file():
    people = read(b"name,username,organisation\n\nAna,ana,X\n,,\nBo,bo,Y\n")
    assert [r["line"] for r in people.rows] == ["3", "5"]


def test_a_row_with_more_values_than_columns_is_marked():
    people = read(b"name,username,organisation\nJones, Sam,sam,X\n")
    assert people.rows[0]["extra"] == "y"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"name,username,organisation\n", "no people"),
        (b"name,organisation\nSam,X\n", "email or username"),
        (b"email,organisation\nsam@example.org,X\n", "name, organisation"),
        (b"first,second\n1,2\n", "“first”, “second”"),
        (b"name,name,username,organisation\n", "appears twice"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "older Excel"),
        (b"%PDF-1.7\n", "PDF"),
        (b"name,username\x00,organisation\n", "isn't plain text"),
        (b"\x01\x02\x03\x04name", "isn't plain text"),
        (b"name,username,organisation\n\x81\x8d\x8f\x90\x9d", "isn't UTF-8 or Windows"),
    ],
)
def test_bad_files_get_a_clear_message(data, words):
    assert words in problem(data)


def test_too_many_rows_says_how_many_and_the_limit():
    data = b"name,username,organisation\n" + b"".join(
        f"Person {i},person{i},Org\n".encode() for i in range(10_000)
    )
    message = problem(data)
    assert "10,000 rows" in message and "5,000" in message and "split" in message


def test_the_row_limit_is_configurable():
    data = b"name,username,organisation\n" + b"A,aaa,X\nB,bbb,X\nC,ccc,X\n"
    assert "3 rows" in problem(data, max_rows=2)
    assert len(read(data, max_rows=3).rows) == 3


def test_a_file_too_large_is_refused_before_reading():
    message = problem(b"name,username,organisation\n" + b"x" * 5000, max_bytes=2048)
    assert "the most we can take at once is 2 KB" in message


def test_ten_thousand_rows_can_be_read_when_allowed():
    data = b"name,email,organisation,service_number\n" + b"".join(
        f"Person {i},person{i}@example.org,Org {i % 7},S{i}\n".encode() for i in range(10_000)
    )
    people = read(data, max_rows=10_000)
    assert len(people.rows) == 10_000
    assert people.rows[-1]["email"] == "person9999@example.org"
