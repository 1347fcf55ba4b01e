"""What a piece of competency evidence is for: practice or assessment."""

from __future__ import annotations

# Practice (formative quizzes) shows that a learner has worked on a competency; it never
# counts towards mastery. Assessment (summative quizzes, graded labs, and the rubric, mentor
# and prior-learning sources to come) is what mastery is decided from.
PRACTICE = "practice"
ASSESSMENT = "assessment"
PURPOSES = (PRACTICE, ASSESSMENT)
