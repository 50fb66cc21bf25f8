"""Escaping values for the pages: the same text every time a value is escaped, remembered or not."""

from __future__ import annotations

from handbook.textfmt import SHORT, forget, html_attr, md_text


def test_a_value_escapes_the_same_the_first_time_again_and_after_the_build_forgets():
    """Short values are escaped once and remembered; long ones each time; forgetting (at the end
    of a build's rendering) changes nothing but memory."""
    long = "_x_ " * 80
    assert len(long) > SHORT
    values: list[object] = ["<b>Role</b> & *co*", "# Heading", 'Say "hi"', 42, long]
    first = [(md_text(v), html_attr(v)) for v in values]
    again = [(md_text(v), html_attr(v)) for v in values]
    forget()
    after = [(md_text(v), html_attr(v)) for v in values]
    assert first == again == after
    assert first[0] == ("&lt;b&gt;Role&lt;/b&gt; &amp; &#42;co&#42;",) * 2
    assert first[1] == ("&#35; Heading", "&#35; Heading")
    assert first[2] == ('Say "hi"', "Say &quot;hi&quot;")
    assert first[3] == ("42", "42")
    assert first[4] == (" ".join(["&#95;x&#95;"] * 80),) * 2
