from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from journeys.models import Customer
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, text: str, *, name: str = "customers.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def import_customers(path) -> tuple[str, str]:
    """Run the command; return (stdout, stderr). Lets CommandError through."""
    stdout, stderr = StringIO(), StringIO()
    call_command("import_customers", str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def import_failing(path) -> tuple[str, str, CommandError]:
    """Run the command expecting it to fail; return (stdout, stderr, the error)."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_customers", str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue(), failure.value


def test_it_creates_customers_with_fields_and_typed_attributes(tmp_path):
    path = write_csv(
        tmp_path,
        "external_id,email,phone,timezone,consent_email,consent_sms,plan,age,score,vip,churned,note\n"
        "c-1,ada@example.com,+33 6 12 34 56 78,Europe/Paris,yes,no,pro,42,4.5,true,FALSE,tea\n"
        "c-2,grace@example.com,,America/New_York,,,free,,,,,\n",
    )

    stdout, stderr = import_customers(path)

    assert "Imported 2 customers; 0 rows failed." in stdout
    assert "line " not in stderr
    ada = Customer.objects.get(external_id="c-1")
    assert (ada.email, ada.phone, ada.timezone) == ("ada@example.com", "+33 6 12 34 56 78", "Europe/Paris")
    assert ada.consent == {"email": "subscribed", "sms": "unsubscribed"}
    assert ada.attributes == {"plan": "pro", "age": 42, "score": 4.5, "vip": True, "churned": False, "note": "tea"}
    grace = Customer.objects.get(external_id="c-2")
    assert (grace.email, grace.phone, grace.timezone) == ("grace@example.com", "", "America/New_York")
    assert grace.consent == {}
    assert grace.attributes == {"plan": "free"}  # empty cells add nothing


def test_it_accepts_user_id_as_the_id_column(tmp_path):
    path = write_csv(tmp_path, "user_id,email\nu-7,u7@example.com\n")

    import_customers(path)

    assert Customer.objects.get(external_id="u-7").email == "u7@example.com"


def test_it_reads_a_file_saved_with_a_byte_order_mark(tmp_path):
    path = write_csv(tmp_path, "external_id,plan\nc-1,pro\n", encoding="utf-8-sig")

    import_customers(path)

    assert Customer.objects.get(external_id="c-1").attributes == {"plan": "pro"}


def test_a_second_import_updates_the_customer_and_merges_attributes_and_consent(tmp_path):
    make_customer(
        external_id="c-1",
        email="old@example.com",
        phone="+1 555 0100",
        attributes={"plan": "free", "age": 30},
        consent={"sms": "subscribed"},
    )
    path = write_csv(tmp_path, "external_id,email,consent_email,plan,city\nc-1,new@example.com,yes,pro,Paris\n")

    import_customers(path)

    assert Customer.objects.count() == 1
    customer = Customer.objects.get(external_id="c-1")
    assert customer.email == "new@example.com"
    assert customer.phone == "+1 555 0100"
    assert customer.attributes == {"plan": "pro", "age": 30, "city": "Paris"}
    assert customer.consent == {"sms": "subscribed", "email": "subscribed"}


def test_empty_cells_leave_what_the_profile_already_has(tmp_path):
    make_customer(external_id="c-1", email="ada@example.com", phone="+1 555 0100", timezone="Europe/Paris")
    path = write_csv(tmp_path, "external_id,email,phone,timezone,consent_email\nc-1,,,,\n")

    import_customers(path)

    customer = Customer.objects.get(external_id="c-1")
    assert (customer.email, customer.phone, customer.timezone) == ("ada@example.com", "+1 555 0100", "Europe/Paris")


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    path = write_csv(tmp_path, "external_id,email,plan\nc-1,ada@example.com,pro\nc-2,,free\n")

    import_customers(path)
    before = list(Customer.objects.order_by("external_id").values("external_id", "email", "attributes", "consent"))
    import_customers(path)

    after = list(Customer.objects.order_by("external_id").values("external_id", "email", "attributes", "consent"))
    assert after == before
    assert len(after) == 2


def test_the_same_external_id_twice_in_one_file_ends_with_the_later_values(tmp_path):
    path = write_csv(
        tmp_path,
        "external_id,email,consent_email,plan,city\n"
        "c-1,first@example.com,yes,free,Paris\n"
        "c-1,second@example.com,no,pro,\n",
    )

    stdout, _ = import_customers(path)

    assert "Imported 1 customers" in stdout
    customer = Customer.objects.get(external_id="c-1")
    assert customer.email == "second@example.com"
    assert customer.consent == {"email": "unsubscribed"}
    assert customer.attributes == {"plan": "pro", "city": "Paris"}


HEADER = "external_id,email,timezone,consent_email,plan\n"
GOOD_BEFORE = "good-1,good1@example.com,UTC,yes,pro\n"
GOOD_AFTER = "good-2,good2@example.com,Asia/Tokyo,no,free\n"


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (",nobody@example.com,UTC,yes,pro\n", "external_id is empty"),
        ("bad,not-an-email,UTC,yes,pro\n", "email 'not-an-email' is not a valid address"),
        (f"bad,{'a' * 250}@example.com,UTC,yes,pro\n", "email is longer than 254 characters"),
        ("bad,bad@example.com,Mars/Olympus_Mons,yes,pro\n", "timezone 'Mars/Olympus_Mons' is not an IANA name"),
        ("bad,bad@example.com,UTC,maybe,pro\n", "column consent_email: 'maybe' is not subscribed"),
        ("bad,bad@example.com,UTC,yes,pro,surplus\n", "the row has more cells than the header has columns"),
    ],
    ids=["no_external_id", "bad_email", "email_too_long", "unknown_timezone", "bad_consent_value", "too_many_cells"],
)
def test_a_bad_row_is_reported_with_its_line_and_reason_and_the_good_rows_are_imported(tmp_path, bad_row, reason):
    path = write_csv(tmp_path, HEADER + GOOD_BEFORE + bad_row + GOOD_AFTER)

    stdout, stderr, error = import_failing(path)

    assert f"line 3: {reason}" in stderr
    assert stderr.count("line ") == 1
    assert "1 rows failed" in str(error)
    assert "Imported 2 customers; 1 rows failed." in stdout
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}
    assert Customer.objects.get(external_id="good-2").consent == {"email": "unsubscribed"}


def test_an_unknown_consent_channel_is_reported_on_each_row(tmp_path):
    path = write_csv(tmp_path, "external_id,consent_fax\nc-1,yes\nc-2,no\n")

    _, stderr, error = import_failing(path)

    assert "line 2: column consent_fax: unknown channel; channels are email, sms, push, in_app" in stderr
    assert "line 3: column consent_fax: unknown channel" in stderr
    assert "2 rows failed" in str(error)
    assert not Customer.objects.exists()


def test_every_bad_row_is_counted_and_reported(tmp_path):
    path = write_csv(tmp_path, HEADER + ",,,,\n" + GOOD_BEFORE + "bad,x,UTC,,\n" + "bad2,,Nowhere/City,,\n")

    stdout, stderr, error = import_failing(path)

    assert "line 2: external_id is empty" in stderr
    assert "line 4: email 'x' is not a valid address" in stderr
    assert "line 5: timezone 'Nowhere/City'" in stderr
    assert "3 rows failed" in str(error)
    assert "Imported 1 customers; 3 rows failed." in stdout


def test_a_file_with_only_good_rows_does_not_raise(tmp_path):
    path = write_csv(tmp_path, HEADER + GOOD_BEFORE + GOOD_AFTER)

    stdout, _ = import_customers(path)  # raises CommandError if anything failed

    assert "0 rows failed" in stdout


def test_text_that_only_looks_like_a_number_is_kept_as_text(tmp_path):
    # "Nan" and "Infinity" are names, not numbers (and PostgreSQL's JSON has no NaN);
    # a leading zero marks an identifier such as a zip code, which must keep it.
    path = write_csv(
        tmp_path,
        "external_id,first_name,nickname,zip,code,big,count,ratio,exp\nc-1,Nan,Infinity,02134,1_000,1e999,-12,0.5,2e3\n",
    )

    import_customers(path)

    assert Customer.objects.get(external_id="c-1").attributes == {
        "first_name": "Nan",
        "nickname": "Infinity",
        "zip": "02134",
        "code": "1_000",
        "big": "1e999",
        "count": -12,
        "ratio": 0.5,
        "exp": 2000.0,
    }


def test_rows_beyond_the_first_batch_are_imported_and_reported_with_the_right_line(tmp_path):
    rows = [f"c-{number},c{number}@example.com,,,\n" for number in range(2500)]
    rows[1500] = "c-1500,broken,,,\n"
    rows.append("c-0,,,,late\n")  # the same customer again, in a later batch
    path = write_csv(tmp_path, HEADER + "".join(rows))

    stdout, stderr, _ = import_failing(path)

    assert "line 1502: email 'broken' is not a valid address" in stderr
    assert "Imported 2500 customers; 1 rows failed." in stdout
    assert Customer.objects.count() == 2499
    first = Customer.objects.get(external_id="c-0")
    assert (first.email, first.attributes) == ("c0@example.com", {"plan": "late"})


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot open .*nope\.csv: No such file or directory"):
        import_customers(tmp_path / "nope.csv")


def test_an_empty_file_is_a_clear_error(tmp_path):
    path = write_csv(tmp_path, "")

    with pytest.raises(CommandError, match=r"customers\.csv is empty: the first row must name the columns"):
        import_customers(path)


def test_a_header_without_rows_imports_nothing_and_succeeds(tmp_path):
    path = write_csv(tmp_path, HEADER)

    stdout, _ = import_customers(path)

    assert "Imported 0 customers; 0 rows failed." in stdout


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = write_csv(tmp_path, "external_id,first_name\nc-1,Renée\n", encoding="latin-1")

    with pytest.raises(CommandError, match=r"cannot be read as CSV"):
        import_customers(path)
    assert not Customer.objects.exists()
