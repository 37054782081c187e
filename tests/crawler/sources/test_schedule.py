"""Schedules: validation with file and field in the message, and fire instants by a fixed clock."""

from __future__ import annotations

import itertools
import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.sources.schedule import Schedule, cron_weekdays
from crawler.sources.schema import SourceError, load_source

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")


def _utc(times: list[datetime]) -> list[str]:
    return [t.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for t in times]


def _walk(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    """Fire times as the APScheduler scheduler asks for them: each from the previous."""
    trigger = schedule.trigger()
    times: list[datetime] = []
    previous = None
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        times.append(fire)
        previous = fire
    return times


def test_cron_fires_in_vietnam_time_by_default():
    schedule = Schedule(cron="0 6,18 * * *")
    assert schedule.timezone == "Asia/Ho_Chi_Minh"
    fixed_now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # 19:00 in Hanoi
    times = schedule.next_fire_times(fixed_now, 3)
    assert [t.strftime("%Y-%m-%d %H:%M %z") for t in times] == [
        "2026-11-29 06:00 +0700",
        "2026-11-29 18:00 +0700",
        "2026-11-30 06:00 +0700",
    ]
    assert _utc(times) == ["2026-11-28 23:00", "2026-11-29 11:00", "2026-11-29 23:00"]


def test_cron_weekdays_mean_what_cron_means():
    # APScheduler 3 reads 0 as Monday; a source file's 0 is Sunday, as in crontab.
    assert cron_weekdays("0") == "sun"
    assert cron_weekdays("7") == "sun"
    assert cron_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert cron_weekdays("5-7") == "fri,sat,sun"
    assert cron_weekdays("*/2") == "tue,thu,sat,sun"
    assert cron_weekdays("sat,sun") == "sat,sun"
    sundays = Schedule(cron="0 8 * * 0").next_fire_times(datetime(2026, 11, 28, tzinfo=UTC), 2)
    assert [t.strftime("%a %d") for t in sundays] == ["Sun 29", "Sun 06"]


def test_interval_counts_elapsed_time_across_daylight_saving():
    schedule = Schedule(every="1h", timezone="Europe/Berlin")
    times = schedule.next_fire_times(datetime(2026, 10, 24, 23, 10, tzinfo=UTC), 5)
    instants = [t.astimezone(UTC) for t in times]  # zoned subtraction ignores the offset
    gaps = {b - a for a, b in itertools.pairwise(instants)}
    assert gaps == {timedelta(hours=1)}


def test_cron_across_fall_back_in_a_daylight_saving_zone():
    """Berlin falls back on 2026-10-25 at 03:00 CEST: 02:00-02:59 happens twice."""
    start = datetime(2026, 10, 24, 23, 10, tzinfo=UTC)
    daily = Schedule(cron="30 2 * * *", timezone="Europe/Berlin")
    # Once on the day of the change, at the first 02:30 (CEST), then 02:30 CET daily.
    assert _utc(_walk(daily, start, 3)) == [
        "2026-10-25 00:30",
        "2026-10-26 01:30",
        "2026-10-27 01:30",
    ]
    hourly = Schedule(cron="30 * * * *", timezone="Europe/Berlin")
    # Hourly keeps its pace through both passes of the repeated hour.
    assert _utc(_walk(hourly, start, 5)) == [
        "2026-10-24 23:30",
        "2026-10-25 00:30",
        "2026-10-25 01:30",
        "2026-10-25 02:30",
        "2026-10-25 03:30",
    ]
    nine = Schedule(cron="0 9 * * *", timezone="Europe/Berlin")
    assert _utc(_walk(nine, start, 2)) == ["2026-10-25 08:00", "2026-10-26 08:00"]


def test_cron_across_spring_forward_in_a_daylight_saving_zone():
    """Berlin springs forward on 2026-03-29 at 02:00 CET: 02:30 does not exist."""
    start = datetime(2026, 3, 28, 23, 10, tzinfo=UTC)
    daily = Schedule(cron="30 2 * * *", timezone="Europe/Berlin")
    times = _walk(daily, start, 3)
    assert _utc(times) == ["2026-03-29 01:30", "2026-03-30 00:30", "2026-03-31 00:30"]
    assert times[0].astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"  # shifted on
    nine = Schedule(cron="0 9 * * *", timezone="Europe/Berlin")
    assert _utc(_walk(nine, start, 2)) == ["2026-03-29 07:00", "2026-03-30 07:00"]


def test_trigger_never_repeats_a_fire_time_in_the_repeated_hour():
    # APScheduler 3.11's own CronTrigger returns 03:30+01:00 again and again here (#1021).
    trigger = Schedule(cron="30 * * * *", timezone="Europe/Helsinki").trigger()
    fire = datetime(2017, 10, 29, 3, 45, tzinfo=ZoneInfo("Europe/Helsinki"), fold=1)
    for _ in range(4):
        following = trigger.get_next_fire_time(fire, fire)
        assert following.astimezone(UTC) > fire.astimezone(UTC)
        fire = following


def test_trigger_survives_the_job_store_round_trip():
    schedule = Schedule(cron="15 */2 * * 1-5", timezone="Europe/Berlin", jitter=30)
    trigger = pickle.loads(pickle.dumps(schedule.trigger()))
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, now)
    # 01:00 in Berlin; even hours at :15 in Berlin: 02:15 CET = 01:15 UTC, plus up to 30 s.
    late = fire.astimezone(UTC) - datetime(2026, 11, 30, 1, 15, tzinfo=UTC)
    assert timedelta(0) <= late <= timedelta(seconds=30)


@pytest.mark.parametrize(
    ("schedule", "field", "message"),
    [
        ("{cron: '0 * * *'}", "schedule.cron", "has 4 fields; cron has 5"),
        ("{cron: '0 99 * * *'}", "schedule.cron", "is not a valid cron expression"),
        ("{cron: '0 6 1 * 1'}", "schedule.cron", "restricts both the day of month and the weekday"),
        ("{every: 6h, cron: '0 * * * *'}", "schedule", "either cron"),
        ("{}", "schedule", "either cron"),
        ("{every: 6x}", "schedule.every", "is not a duration"),
        ("{every: 1h, timezone: Asia/Saigonn}", "schedule.timezone", "is not an IANA time zone"),
        ("{every: 1h, jitter: 2h}", "schedule", "jitter (7200s) must be shorter"),
        (
            "{every: 1h, catchup: true}",
            "schedule.catchup",
            "unknown field; did you mean `catch_up`?",
        ),
    ],
)
def test_a_bad_schedule_names_file_and_field(tmp_path, schedule, field, message):
    path = tmp_path / "lich.yaml"
    path.write_text(
        f"name: lich\nseeds: [http://thoisu.test/]\ncontact: a@b.org\nschedule: {schedule}\n"
    )
    with pytest.raises(SourceError) as caught:
        load_source(path)
    assert str(caught.value).startswith(f"{path}: {field}: ")
    assert message in str(caught.value)


def test_schedule_validate_checks_every_file_and_exits_1_on_a_fault(tmp_path):
    good = tmp_path / "tot.yaml"
    good.write_text(
        "name: tot\nseeds: [http://thoisu.test/]\ncontact: a@b.org\n"
        "schedule: {cron: '0 */6 * * *', max_run_time: 1h}\n"
    )
    bad = tmp_path / "hong.yaml"
    bad.write_text(
        "name: hong\nseeds: [http://thoisu.test/]\ncontact: a@b.org\nschedule: {every: 0}\n"
    )
    env = {"ARCHIVIST_SOURCES": str(tmp_path), "ARCHIVIST_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(main, ["schedule", "validate"], env=env)
    assert result.exit_code == 1
    assert f"ok    {good}: cron '0 */6 * * *' (Asia/Ho_Chi_Minh, max 1h)" in result.output
    assert f"FAULT {bad}: schedule.every: Input should be greater than 0" in result.output
    alone = CliRunner().invoke(main, ["schedule", "validate", str(good)], env=env)
    assert alone.exit_code == 0, alone.output


def test_the_shipped_schedules_validate_and_list(tmp_path):
    env = {"ARCHIVIST_HOME": str(tmp_path)}
    result = CliRunner().invoke(main, ["schedule", "validate"], env=env)
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(main, ["schedule", "list", "--count", "2"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "demo-news" in listed.output
    assert "cron '0 */3 * * *' (Asia/Ho_Chi_Minh, max 45m); last run: never run" in listed.output
    assert listed.output.count(" +07 ") >= 8  # two fire times for each of four sources


def test_a_jitter_of_zero_means_none():
    schedule = Schedule.model_validate({"every": "1h", "jitter": "0s"})
    assert schedule.jitter == 0
    assert schedule.trigger().jitter is None
