"""The intelligence workflow in the exercise: publish, release a tearline, audit reads, RFIs."""

from __future__ import annotations

import pytest

from jointex.exercise import (
    Actor,
    AnswerRfi,
    Command,
    CreateExercise,
    IntelRead,
    PublishIntel,
    ReadIntel,
    ReleaseIntel,
    SendInject,
    Start,
    SubmitRfi,
    fold,
    new_state,
)
from jointex.intel import feed, product_from_data, reader_for, relations
from tests.exercise.harness import created, play, rejected, scenario, types
from tests.intel.world import (
    FLAGSHIP,
    NOFORN,
    OBSERVER,
    REL_TWN,
    TEARLINE_TITLE,
    TWN,
    USA,
    USA_ONLY,
    USA_REPORT,
    WHITE,
    released,
)


def test_publish_assigns_id_originator_owner_minute_and_portion_names() -> None:
    """Publishing stores the product as INT-n from the actor's cell and nation, at the minute."""
    state, events = play(created(FLAGSHIP), [PublishIntel(USA_REPORT)], USA)
    assert types(events) == ["IntelPublished"]
    data = events[0].data["product"]
    assert (data["id"], data["originator"], data["owner"], data["minute"]) == (
        "INT-1", "usa", "USA", state.minute
    )  # fmt: skip
    assert [p["id"] for p in data["portions"]] == ["P1", "P2"]
    assert state.intel["INT-1"] == product_from_data(data)
    state, events = play(state, [PublishIntel(USA_ONLY)], USA)
    assert events[0].data["product"]["id"] == "INT-2"


def test_replay_gives_the_same_intelligence() -> None:
    """Folding the events again gives the same products and reads as executing the commands."""
    start_commands: list[Command] = [CreateExercise("ex-1", "Test", seed=7), Start()]
    state, events = play(new_state(scenario(FLAGSHIP)), start_commands)
    release = ReleaseIntel("INT-1", ("TWN",), title="Tearline", title_marking=REL_TWN)
    state, more = play(state, [PublishIntel(USA_REPORT), release, ReadIntel("INT-1")], USA)
    state, last = play(state, [ReadIntel("INT-2")], TWN)
    replayed = fold(scenario(FLAGSHIP), [*events, *more, *last])
    assert replayed.intel == state.intel
    assert replayed.intel_reads == state.intel_reads
    assert len(replayed.intel) == 2


@pytest.mark.parametrize(
    ("product", "actor", "reason"),
    [
        ({**USA_REPORT, "owner": "TWN"}, USA, "may publish only products owned by USA, not 'TWN'"),
        (
            {**USA_REPORT, "owner": "TWN", "title": {"marking": REL_TWN, "content": "t"}},
            TWN,
            "cell twn may not write portion P1 marked //USA SECRET//NOFORN",
        ),
        (
            {**USA_ONLY, "portions": [{"marking": "SECRET//NOFORN", "content": "x"}]},
            USA,
            "may not write portion P1 marked SECRET//NOFORN",
        ),
        (USA_ONLY, TWN, "cell twn may not write the title marked //USA SECRET//NOFORN"),
        ({**USA_ONLY, "owner": "usa"}, TWN, "may publish only products owned by TWN, not 'usa'"),
        ({**USA_REPORT, "id": "INT-7"}, USA, "the product's id is assigned"),
        ({**USA_REPORT, "derived_from": "INT-1"}, USA, "only a release makes a tearline"),
        ({**USA_REPORT, "kind": "rumour"}, USA, "product kind 'rumour' is not one of"),
        ({**USA_REPORT, "titel": "x"}, USA, "has no field 'titel'"),
        (
            {**USA_ONLY, "title": {"marking": "SECRET//REL TO ATLANTIS", "content": "x"}},
            USA,
            "the marking of title does not parse",
        ),
        ({**USA_REPORT, "related": ["INT-9"]}, USA, "no intel product 'INT-9'"),
        (USA_REPORT, OBSERVER, "only the control, blue and red cells can"),
    ],
)
def test_publish_rejections(product: dict[str, object], actor: Actor, reason: str) -> None:
    """A product is refused unless owned by the cell's nation, well formed and readable by it."""
    assert reason in rejected(created(FLAGSHIP), PublishIntel(product), actor)


def test_twn_may_not_write_what_it_cannot_read() -> None:
    """A cell cleared SECRET may not write a TOP SECRET portion, even of its own nation."""
    title = {"marking": "//TWN S//REL TO TWN, USA", "content": "t"}
    portions = [{"marking": "//TWN TS//NF", "content": "x"}]
    product = {**USA_ONLY, "owner": "TWN", "title": title, "portions": portions}
    assert "may not write portion P1 marked //TWN TOP SECRET//NOFORN" in rejected(
        created(FLAGSHIP), PublishIntel(product), TWN
    )


def test_a_cell_without_a_nation_cannot_publish() -> None:
    """The tutorial's white cell has no nation, so it cannot own a product."""
    message = rejected(created("tutorial"), PublishIntel(USA_REPORT), WHITE)
    assert message == "cell 'white' has no nation, so it cannot own intelligence"


def test_publishing_waits_for_the_start() -> None:
    """Nothing is published before play starts."""
    message = rejected(created(FLAGSHIP, start=False), PublishIntel(USA_REPORT), USA)
    assert message == "exercise has not started: publish intelligence once it has"


def test_release_tearline_to_twn_keeps_only_releasable_parts() -> None:
    """The default tearline keeps the REL TO portion and source; NOFORN parts stay home."""
    state = released()
    tearline = state.intel["INT-3"]
    assert tearline.derived_from == "INT-1"
    assert tearline.released_to == ("TWN",)
    assert [p.id for p in tearline.portions] == ["P2"]
    assert [s.name for s in tearline.sources] == ["MND radar"]
    assert tearline.attachments == ()
    assert tearline.location is None
    assert tearline.title.content == TEARLINE_TITLE
    assert tearline.marking.banner() == REL_TWN
    assert tearline.originator == "usa"
    assert tearline.owner == "USA"


def test_twn_sees_only_the_tearline_usa_sees_both_linked() -> None:
    """TWN's feed holds the tearline alone; USA's holds both, linked in both directions."""
    state = released()
    twn = feed(state, reader_for(state.scenario, "twn"))
    usa = feed(state, reader_for(state.scenario, "usa"))
    assert [p.id for p in twn] == ["INT-3"]
    assert twn[0].derived_from is None
    assert sorted(p.id for p in usa) == ["INT-1", "INT-2", "INT-3"]
    usa_reader = reader_for(state.scenario, "usa")
    assert relations(state, usa_reader, "INT-1").tearlines == ("INT-3",)
    assert relations(state, usa_reader, "INT-3").derived_from == "INT-1"


def test_release_with_location_and_a_new_title() -> None:
    """The releaser may carry the location over and replace the title."""
    state = created(FLAGSHIP)
    state, _ = play(state, [PublishIntel(USA_REPORT)], USA)
    command = ReleaseIntel("INT-1", ("TWN",), ("P2",), "Fujian readiness", REL_TWN, True)
    state, events = play(state, [command], USA)
    assert types(events) == ["IntelReleased"]
    assert events[0].data["from_id"] == "INT-1"
    assert events[0].data["by"] == "sam"
    tearline = state.intel["INT-2"]
    assert tearline.title.content == "Fujian readiness"
    assert tearline.location == (119.4, 25.3)


def test_control_may_release_and_partners_may_not() -> None:
    """The white cell (USA) may release a US product; the Taiwan cell may not release it."""
    state, _ = play(created(FLAGSHIP), [PublishIntel(USA_REPORT)], USA)
    state, _ = play(
        state, [ReleaseIntel("INT-1", ("TWN",), title="T", title_marking=REL_TWN)], WHITE
    )
    assert state.intel["INT-2"].originator == "white"
    state, _ = play(state, [ReleaseIntel("INT-2", ("TWN",))], USA)
    assert rejected(state, ReleaseIntel("INT-2", ("TWN",)), TWN) == (
        "cell 'twn' may not release INT-2: only cells of USA and the control cell can"
    )


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (ReleaseIntel("INT-1", ("TWN",), ("P1",)), "portion P1 of INT-1 is marked "
         "//USA SECRET//NOFORN and may not be released to TWN"),
        (ReleaseIntel("INT-1", ("TWN",), ("P9",)), "no portion 'P9' in INT-1"),
        (ReleaseIntel("INT-1", ("JPN",)), "nation 'JPN' is not in this exercise"),
        (ReleaseIntel("INT-1", ()), "a release needs at least one recipient nation"),
        (ReleaseIntel("INT-1", ("TWN",)), "the title of INT-1 is marked //USA SECRET//NOFORN "
         "and may not be released to TWN: give a releasable title"),
        (ReleaseIntel("INT-1", ("CHN",), title="Fujian"), "nothing in INT-1 may be released "
         "to CHN"),
        (ReleaseIntel("INT-1", ("TWN",), title="Fujian", title_marking=NOFORN), "the new title "
         "of INT-1 is marked //USA SECRET//NOFORN and may not be released to TWN: give a "
         "releasable title"),
        (ReleaseIntel("INT-9", ("TWN",)), "no intel product 'INT-9'"),
    ],
)  # fmt: skip
def test_release_rejections(command: ReleaseIntel, reason: str) -> None:
    """A tearline is refused when a kept part is not releasable to every recipient, or is empty."""
    state, _ = play(created(FLAGSHIP), [PublishIntel(USA_REPORT)], USA)
    assert rejected(state, command, USA) == reason


def test_reads_are_audited() -> None:
    """ReadIntel records who saw which product, when; it is refused for a product not shown."""
    state = released()
    state, events = play(state, [ReadIntel("INT-3")], TWN)
    assert events[0].data == {"product_id": "INT-3", "cell": "twn", "user": "li",
                              "minute": state.minute}  # fmt: skip
    assert state.intel_reads == (IntelRead("INT-3", "twn", "li", state.minute),)
    assert rejected(state, ReadIntel("INT-1"), TWN) == "no intel product 'INT-1'"
    state, _ = play(state, [ReadIntel("INT-1")], WHITE)
    assert [r.cell for r in state.intel_reads] == ["twn", "white"]


def test_rfi_answer_must_be_readable_by_the_asker() -> None:
    """The white cell may not answer above the asking cell's clearance or releasability."""
    state, _ = play(created(FLAGSHIP), [SubmitRfi("How many?", REL_TWN)], TWN)
    message = rejected(state, AnswerRfi("RFI-1", "Twelve", "SECRET//NOFORN"))
    assert message == "cell twn may not read an answer marked SECRET//NOFORN"
    message = rejected(state, AnswerRfi("RFI-1", "Twelve", "TOP SECRET//REL TO USA, TWN"))
    assert message == "cell twn may not read an answer marked TOP SECRET//REL TO USA, TWN"
    state, _ = play(state, [AnswerRfi("RFI-1", "Twelve", REL_TWN)])
    assert state.rfis["RFI-1"].answer is not None


def test_rfi_question_must_be_readable_by_the_asker() -> None:
    """A cell may not ask a question marked so that it could not read it."""
    message = rejected(created(FLAGSHIP), SubmitRfi("Where?", NOFORN), TWN)
    assert message == "cell twn may not write an RFI marked //USA SECRET//NOFORN"


def test_ad_hoc_inject_must_be_readable_by_its_recipients() -> None:
    """The white cell may not send an ad hoc inject a recipient may not read."""
    inject = {"title": "US I&W", "to": ["usa", "twn"], "marking": NOFORN}
    message = rejected(created(FLAGSHIP), SendInject(inject))
    assert message == "recipient cell 'twn' may not read an inject marked //USA SECRET//NOFORN"
