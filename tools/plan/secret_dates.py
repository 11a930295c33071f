"""Client secrets against the clock: refused when one would be created already expired, called out when
one has expired, expires within 30 days, or is not yet valid.

The program never reads the clock (a preview on another day must show no change: dates come from the
configuration, docs/rotate-a-client-secret.md), so this is a check the tools make around it, never a
value the program computes: `plan` and `diff` compare each secret slot's dates with `--now` (default:
the clock).

Whether a slot's secret is *created* decides between an error and a warning: a deployed secret whose
end date passes stops working (a warning: rotate it), but a secret created with an end date already
past is useless from the start (an error). `diff` knows which secrets a change creates (its password
resources created or replaced against the base) and refuses those. `plan` alone has no deployed state,
so it cannot tell a new slot dated in the past from a deployed one that has since expired; refusing
both would turn the plan of an unchanged stack red on the day a deployed secret expires (and with it
`make plan`, `check-token --stack` and CI), so `plan` warns of both, and the pull request's diff
refuses the new one (docs/rotate-a-client-secret.md, "Secret dates and the clock").
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from apim_oauth.config.clients import SecretSettings
from apim_oauth.config.errors import NAMESPACE, ConfigError
from apim_oauth.config.locations import locate
from apim_oauth.config.settings import Settings, parse
from tools.plan.program import PROJECT_DIR, read_stack_config

WARN_WITHIN = dt.timedelta(days=30)
"""How far ahead an end date is called out: time to rotate in a pull request or two."""


@dataclass(frozen=True)
class SlotDates:
    """One secret slot of the configuration, with its validity as Entra will hold it."""

    owner: str
    """Who holds the secret, as the stack file names it: `client billing-daemon`."""
    app: str
    """The display name of the Entra app the secret belongs to (how a plan's password is found)."""
    key: str
    """The slot's key: `apim-oauth:clients[billing-daemon].secret.slots.blue`."""
    slot: str
    rotated: dt.date
    validity_days: int

    @property
    def starts(self) -> dt.datetime:
        """The secret's start: the slot's date at midnight UTC (as the program sets `startDate`)."""
        return dt.datetime.combine(self.rotated, dt.time(), dt.UTC)

    @property
    def ends(self) -> dt.datetime:
        """The secret's end: the slot's date plus `validityDays`, at midnight UTC (`endDate`)."""
        return self.starts + dt.timedelta(days=self.validity_days)

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What the plan's password resource carries of it: app, slot, start and end (RFC 3339)."""
        return (self.app, self.slot, _rfc3339(self.starts), _rfc3339(self.ends))

    def warning(self, now: dt.datetime) -> str | None:
        """The one line a reviewer must read about this slot at `now`, if any."""
        where = f"{self.owner}, secret slot {self.slot}"
        ends, starts = self.ends.date().isoformat(), self.starts.date().isoformat()
        if self.ends <= now:
            return f"{where}: expired on {ends}; its secret no longer works: rotate it (set the slot's date to today)"
        if self.ends - now <= WARN_WITHIN:
            days = (self.ends - now).days
            return (
                f"{where}: expires on {ends}, in {days} day{'s' if days != 1 else ''}: rotate it before then"
            )
        if self.starts > now:
            return f"{where}: not valid until {starts} (its date is ahead of the clock): callers cannot use it yet"
        return None


def _rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _slots(owner: str, app: str, path: str, secret: SecretSettings | None) -> Iterator[SlotDates]:
    if secret is None:
        return
    for slot in secret.slots:
        where = f"{NAMESPACE}:{path}.secret.slots.{slot.name}"
        yield SlotDates(owner, app, where, slot.name, slot.rotated, secret.validity_days)


def slot_dates(settings: Settings) -> list[SlotDates]:
    """Every secret slot the stack's Entra apps get: clients', the portal's sign-in app's, the test
    consoles' apps'."""
    found: list[SlotDates] = []
    for client in settings.entra_app_clients:
        path = f"clients[{client.name}]"
        found += _slots(f"client {client.name}", client.display_name, path, client.secret)
    portal = settings.developer_portal
    if portal.sign_in is not None:
        path = "developerPortal.signIn"
        found += _slots("developer portal sign-in", portal.sign_in.display_name, path, portal.sign_in.secret)
    for console in portal.test_consoles:
        path = f"apis[{console.api}].testConsole"
        found += _slots(f"test console of API {console.api}", console.app_display_name, path, console.secret)
    return found


def check_created(
    slots: list[SlotDates], now: dt.datetime, created: Collection[tuple[str, str, str, str]] | None = None
) -> None:
    """Refuse a slot whose secret would be created already expired. `created`: the identities of the
    secrets a change creates (`diff`); None: every slot's (`plan`, which has no deployed state)."""
    for slot in slots:
        if slot.ends <= now and (created is None or slot.identity in created):
            raise ConfigError(
                slot.key,
                f"its secret would be created already expired: it ends on {slot.ends.date().isoformat()} "
                f"({slot.rotated.isoformat()} + validityDays {slot.validity_days}); set the date to today",
            )


def warnings(slots: list[SlotDates], now: dt.datetime) -> list[str]:
    """One line per slot that has expired, expires within 30 days, or is not yet valid."""
    return [line for slot in slots if (line := slot.warning(now)) is not None]


def moment(seconds: float) -> dt.datetime:
    """`--now` (UNIX seconds) as a UTC date-time."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def stack_slots(stack_file: Path) -> list[SlotDates]:
    """The secret slots of a stack file; ConfigError (at its line) when it does not read or parse."""
    config = read_stack_config(stack_file)
    try:
        return slot_dates(parse(config, base_dir=PROJECT_DIR))
    except ConfigError as error:
        raise locate(error, config, stack_file) from None


def check_stack_created(
    stack_file: Path,
    slots: list[SlotDates],
    now: dt.datetime,
    created: Collection[tuple[str, str, str, str]] | None = None,
) -> None:
    """`check_created`, the error at its line of `stack_file`."""
    try:
        check_created(slots, now, created)
    except ConfigError as error:
        raise locate(error, read_stack_config(stack_file), stack_file) from None


def print_warnings(slots: list[SlotDates], now: dt.datetime) -> list[str]:
    """Each warning on standard error, `warning: ...`; the warnings."""
    found = warnings(slots, now)
    for line in found:
        print(f"warning: {line}", file=sys.stderr)
    return found
