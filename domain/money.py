"""Amounts of money and their currencies (ARCHITECTURE.md, Money: `Decimal` with two places and a
currency code, never floats; P3.1.1 rates, P4.1.1 amounts to approve).

One definition of a well-formed amount, used at the API boundary (the `Decimal` scalar) and by
the domain rules that take amounts: finite, at most `PLACES` decimal places and at most
`MAX_DIGITS` digits in all, so it fits the money columns (`money_field`) on every backend.
Currencies are ISO 4217 codes of currencies in circulation.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import DomainError, ErrorCode

PLACES = 2
MAX_DIGITS = 14  # the money columns: DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")
LARGEST = Decimal(10) ** (MAX_DIGITS - PLACES) - CENT
# Longer spellings are refused before being parsed at all (sign, digits, point, some zeros).
_LONGEST_SPELLING = 40

# ISO 4217 codes of currencies in circulation (2026). Fund codes (BOV, CHE, CLF, ...), precious
# metals, SDR, bond-market units, the test code and the "no currency" code (XAU, XDR, XBA, XTS) are
# not money a guest pays with, and withdrawn codes (HRK, CUC, SLL, ZWL, ANG) are not taken.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD
    SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH
    UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)


def amount_problem(value: object) -> str | None:
    """Why `value` is not a well-formed amount of money, or None when it is one. Takes what a
    client may send: a decimal string, an integer, or a float (read through its shortest
    decimal spelling, never its binary value)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return "An amount is a decimal number written as a string, e.g. \"1250.00\"."
    if isinstance(value, int) and abs(value) > LARGEST:  # before str(): huge ints do not print
        return f"An amount has at most {MAX_DIGITS - PLACES} digits before the decimal point."
    text = value.strip() if isinstance(value, str) else str(value)
    if len(text) > _LONGEST_SPELLING:
        return f"An amount has at most {MAX_DIGITS} digits."
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        return "An amount is a decimal number written as a string, e.g. \"1250.00\"."
    if not amount.is_finite():
        return "An amount is a finite number (not NaN or Infinity)."
    if abs(amount) > LARGEST:
        return f"An amount has at most {MAX_DIGITS - PLACES} digits before the decimal point."
    if amount != amount.quantize(CENT):
        return f"An amount has at most {PLACES} decimal places."
    return None


def parse_amount(value: object, field: str) -> Decimal:
    """A well-formed amount with exactly `PLACES` places, or a DomainError(INVALID) on `field`."""
    problem = amount_problem(value)
    if problem is not None:
        raise DomainError(ErrorCode.INVALID, problem, field)
    text = value.strip() if isinstance(value, str) else str(value)
    return Decimal(text).quantize(CENT)


def check_bounds(
    amount: Decimal, field: str, *, minimum: Decimal, maximum: Decimal, what: str
) -> Decimal:
    """Refuse an amount outside [minimum, maximum] (OUT_OF_RANGE) with the bound in the message."""
    if amount < minimum:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"{what} is at least {minimum}.", field)
    if amount > maximum:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"{what} is at most {maximum}.", field)
    return amount


def parse_currency(code: object, field: str = "currency") -> str:
    """An ISO 4217 code in circulation, upper-cased, or a DomainError(INVALID) on `field`."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if text not in CURRENCIES:
        raise DomainError(
            ErrorCode.INVALID, "The currency is an ISO 4217 code such as CNY or EUR.", field
        )
    return text
