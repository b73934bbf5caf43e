"""Sample-size planning and the margin of error of a proportion. Pure.

For a proportion p at confidence c with margin e: n0 = z^2 p (1 - p) / e^2, corrected for a
finite population N as n = n0 / (1 + (n0 - 1) / N) (Cochran; the same values as Krejcie &
Morgan's 1970 table, e.g. N = 1,000 -> 278, N = 5,000 -> 357).
"""

import math
from dataclasses import dataclass
from statistics import NormalDist


def z(confidence: float) -> float:
    return NormalDist().inv_cdf((1 + confidence) / 2)


@dataclass(frozen=True)
class Plan:
    completes: int  # responses needed
    invitations: int  # invitations to send at the expected response rate


def plan(
    margin: float,
    confidence: float = 0.95,
    population: int | None = None,
    response_rate: float = 1.0,
    p: float = 0.5,
) -> Plan:
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if not 0 < response_rate <= 1:
        raise ValueError("response_rate must be above 0 and at most 1")
    n0 = z(confidence) ** 2 * p * (1 - p) / margin**2
    n = n0 / (1 + (n0 - 1) / population) if population else n0
    completes = math.ceil(n - 1e-9)
    return Plan(completes=completes, invitations=math.ceil(completes / response_rate - 1e-9))


def margin_of_error(
    n: int, confidence: float = 0.95, population: int | None = None, p: float = 0.5
) -> float | None:
    """The margin of error with n responses so far (None before there are two)."""
    if n < 2:
        return None
    e = z(confidence) * math.sqrt(p * (1 - p) / n)
    if population and population > 1:
        e *= math.sqrt(max(population - n, 0) / (population - 1))
    return e
