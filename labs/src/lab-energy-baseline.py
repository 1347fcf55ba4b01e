"""Writes labs/lab-energy-baseline.ipynb: a compressor-room baseline and a verified saving.

Run from the repository root:  .venv/bin/python labs/src/lab-energy-baseline.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-energy-baseline"


INTRO = r"""
# Energy baseline and verified savings

**Competency:** SM.IDQ.9 · about 70 minutes.

Riverbend's maintenance team repaired the compressed-air leaks during March 2026, and the
plant manager wants to know what it saved. You have the compressor-room submeter's kWh
register, read every 15 minutes and stored in UTC, from 3 March 2025 to 27 September 2026,
with the daily high and low temperature and the cases packed. This compressor room is not
quite the lesson's: its compressors breathe outside air through a louvre and its
refrigerated dryer works harder in the heat, so the weather may matter. Find out.

By the end of this lab you can:

1. turn register readings into local-day energy and real demand, through clock changes
   and a comms gap;
2. build weekly data (Monday to Sunday) with cooling degree days at a **base temperature
   found from the data**;
3. fit a baseline by regression on production and CDD and check it: R², CV(RMSE) and NMBE
   with $n - p$, and the residuals;
4. compute the **adjusted baseline** for the reporting period, the **avoided energy** and
   its 90 % uncertainty (IPMVP Option B), and say whether the saving is shown.

The plan, as in the lesson *Verifying a saving*: baseline the 52 weeks from Monday
3 March 2025; installation 2-29 March 2026, excluded; reporting the 26 weeks from
30 March 2026. The lessons of module 9 work every step on one simulated plant; their code is
a good start. Your data come from your own seed (`SHOPFLOOR_SEED`): your room's base
temperature, loads and what the repair did are not your neighbour's. The data are
simulated for teaching. Run the cells in order, write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from plcsim.energy_meter import energy_meter

data = energy_meter(SHOPFLOOR_SEED)
daily = pd.DataFrame(data["daily"])              # one row per local day
daily.index = pd.to_datetime(daily.pop("date"))  # t_max, t_min (°F), cases
register = pd.Series(data["register"]["kwh"], name="kwh",
                     index=pd.to_datetime(data["register"]["utc"], utc=True))  # kWh, UTC
BASELINE = slice("2025-03-03", "2026-02-23")  # 52 weeks, labelled by their Monday
REPORT = slice("2026-03-30", "2026-09-21")    # 26 weeks
TZ = "America/Chicago"

print(f"{len(daily)} days, {daily.index[0]:%d %b %Y} to {daily.index[-1]:%d %b %Y}; "
      f"{len(register):,} register readings, {register.index[0]} to {register.index[-1]}")
register.head()
"""

TASK_DAYS = r"""
## 1. From register readings to days and demand

Each reading is the register at the **end** of a 15-minute interval, in UTC. Make

- `kwh`: the energy of each step between consecutive readings, and `hours`: each step's
  real length in hours (both Series indexed by the step's end);
- `kw`: each step's average demand, from its real length;
- `day_kwh` and `day_steps`: the energy and the number of steps of each **local**
  (America/Chicago) day, indexed by the date as a timezone-naive Timestamp at midnight; a
  step ending at 00:00 belongs to the day before;
- `longest_step_h` and `peak_kw`: the longest step in hours and the highest average demand.

Then add `day_kwh` to `daily` as the column `room_kwh`. Look at the days whose steps are
not 96: which are clock changes, and which is the gap?
"""

ANSWER_DAYS = r"""
# kwh, hours, kw; day_kwh, day_steps; longest_step_h, peak_kw; daily["room_kwh"]
### BEGIN SOLUTION
local = register.tz_convert(TZ)
kwh = local.diff().dropna()  # energy since the previous reading
hours = local.index.to_series().diff().dt.total_seconds().dropna() / 3600
kw = kwh / hours  # average demand over each step's real length
day = (kwh.index - pd.Timedelta("1s")).tz_localize(None).normalize()
day_kwh, day_steps = kwh.groupby(day).sum(), kwh.groupby(day).size()
longest_step_h, peak_kw = float(hours.max()), float(kw.max())
daily["room_kwh"] = day_kwh
### END SOLUTION
print(day_steps[day_steps != 96])
print(f"longest step {longest_step_h:.2f} h; peak demand {peak_kw:.1f} kW")
"""

TASK_WEEKS = r"""
## 2. Weeks and degree days

Write `weekly(daily, cdd_base)` as lesson 1 does: the day's mean is NOAA's,
(high + low) / 2; `cdd` is the day's degrees above `cdd_base` (0 below); sum `room_kwh`,
`cases` and `cdd` over weeks that start on Monday
(`resample("W-MON", label="left", closed="left")`), and add `kcases`, thousands of cases.
"""

ANSWER_WEEKS = r"""
# weekly(daily, cdd_base) -> DataFrame with room_kwh, cases, cdd, kcases per week
### BEGIN SOLUTION
def weekly(daily, cdd_base):
    t_avg = (daily["t_max"] + daily["t_min"]) / 2  # NOAA's daily mean
    x = daily[["room_kwh", "cases"]].assign(cdd=(t_avg - cdd_base).clip(lower=0))
    w = x.resample("W-MON", label="left", closed="left").sum()
    w["kcases"] = w["cases"] / 1000
    return w
### END SOLUTION
print(weekly(daily, 55).loc[BASELINE].describe().round(1))
"""

TASK_FIT = r"""
## 3. The base temperature and the baseline

For every whole base from 45 to 65 °F, fit `room_kwh ~ kcases + cdd` by OLS to the 52
baseline weeks and keep the residual standard deviation, $\sqrt{\mathrm{MSE}_{resid}}$, in
the dict `base_sd` (base → kWh). Set `base` to the base with the smallest one, `year` to the
baseline weeks at that base, and `model` to the fitted baseline.

Then write `checks(fit, y)` returning a dict with `r2`, `cv` (CV(RMSE)), `nmbe` and `lag1`
(the lag-1 correlation of the residuals), CV(RMSE) and NMBE with $n - p$ as in lesson 2
(as fractions, not %). Set `fit_checks = checks(model, year["room_kwh"])`. The cell also
fits production alone, for comparison: read its residual plot below.
"""

ANSWER_FIT = r"""
# base_sd (dict), base, year, model; checks(fit, y) -> dict; fit_checks
### BEGIN SOLUTION
base_sd = {}
for b in range(45, 66):
    fit = smf.ols("room_kwh ~ kcases + cdd", data=weekly(daily, b).loc[BASELINE]).fit()
    base_sd[b] = float(np.sqrt(fit.mse_resid))
base = min(base_sd, key=base_sd.get)
year = weekly(daily, base).loc[BASELINE]
model = smf.ols("room_kwh ~ kcases + cdd", data=year).fit()


def checks(fit, y):
    n, p = len(y), len(fit.params)
    resid = y - fit.fittedvalues
    dof = n - p  # Guideline 14's n - p
    return {
        "r2": float(1 - (resid**2).sum() / ((y - y.mean()) ** 2).sum()),
        "cv": float(np.sqrt((resid**2).sum() / dof) / y.mean()),
        "nmbe": float(resid.sum() / (dof * y.mean())),
        "lag1": float(np.corrcoef(resid[:-1], resid[1:])[0, 1]),
    }


fit_checks = checks(model, year["room_kwh"])
### END SOLUTION
prod_only = smf.ols("room_kwh ~ kcases", data=year).fit()
print(f"base {base} °F; baseline: {model.params.round(2).to_dict()}")
print("  ", {k: round(v, 4) for k, v in fit_checks.items()})
print(f"production only: {prod_only.params.round(2).to_dict()}, "
      f"lag-1 r {np.corrcoef(prod_only.resid[:-1], prod_only.resid[1:])[0, 1]:.2f}")
"""

PLOT = r"""
# Residuals of the two models through the baseline year (run me)
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True)
ax1.bar(year.index, prod_only.resid, width=5, color="tab:orange")
ax1.set_ylabel("kWh")
ax1.set_title("production only")
ax2.bar(year.index, model.resid, width=5)
ax2.set_ylabel("kWh")
ax2.set_title(f"production + CDD{base}")
plt.show()
"""

TEST = r"""
# Self-check: run me.
assert len(year) == 52 and year.index[0] == pd.Timestamp("2025-03-03")
assert day_steps.loc["2025-11-02"] == 100 and day_steps.loc["2025-03-09"] == 92
assert abs(day_kwh.sum() - (register.iloc[-1] - register.iloc[0])) < 0.5, "every kWh once"
assert 45 <= base <= 65 and len(model.params) == 3
assert abs(fit_checks["nmbe"]) < 1e-9, "NMBE of an OLS fit with an intercept is zero"
assert abs(fit_checks["cv"] - np.sqrt(model.mse_resid) / year["room_kwh"].mean()) < 1e-9, \
    "CV(RMSE) divides the squared residuals by n - p"
print("Your days, weeks and checks are consistent.")
"""

TASK_SAVING = r"""
## 4. The adjusted baseline and the avoided energy (Option B)

Make `report`, the 26 reporting weeks at your base, and

- `adjusted`: the adjusted baseline of each reporting week, what the room would have used
  with that week's production and weather and the leaks still there;
- `avoided`: the avoided energy over the 26 weeks, adjusted baseline minus metered (kWh);
- `savings_se(fit, new)` as lesson 3: the standard error of the avoided energy summed over
  the rows of `new`, $\sqrt{m\,s^2 + \mathrm{SE}_{line}^2}$ with $\mathrm{SE}_{line}$ from
  $(X^\mathsf{T}X)^{-1}$ (independent weeks); set `se` to it;
- `t90`: Student's $t$ for 90 % (two-sided) with the model's residual degrees of freedom,
  and `half`, the 90 % half-width $t_{90}\,\mathrm{SE}$;
- `verdict`: `"shown"` if the whole 90 % interval is above zero, else `"not shown"`.
"""

ANSWER_SAVING = r"""
# report, adjusted (Series), avoided, savings_se(fit, new), se, t90, half, verdict
### BEGIN SOLUTION
report = weekly(daily, base).loc[REPORT]
adjusted = model.predict(report)  # the baseline under the reporting weeks' conditions
avoided = float((adjusted - report["room_kwh"]).sum())


def savings_se(fit, new):
    x = fit.model.exog
    xr = np.column_stack([np.ones(len(new))] + [new[c] for c in fit.model.exog_names[1:]])
    total = xr.sum(axis=0)
    scatter = fit.mse_resid * len(new)  # the weeks' own scatter
    line = fit.mse_resid * total @ np.linalg.inv(x.T @ x) @ total  # the fitted line's
    return float(np.sqrt(scatter + line))


se = savings_se(model, report)
t90 = float(stats.t.ppf(0.95, model.df_resid))
half = t90 * se
verdict = "shown" if avoided - half > 0 else "not shown"
### END SOLUTION
print(f"{len(report)} weeks: adjusted baseline {adjusted.sum():,.0f} kWh, metered "
      f"{report['room_kwh'].sum():,.0f} kWh, avoided {avoided:,.0f} ± {half:,.0f} kWh (90 %, "
      f"t = {t90:.3f}): {verdict}")
weeks = pd.concat([year, report])
cusum = (model.predict(weeks) - weeks["room_kwh"]).cumsum()  # installation weeks left out
fig, ax = plt.subplots(figsize=(8, 2.5))
ax.plot(cusum.index, cusum.to_numpy(), ".-")
ax.set_title("CUSUM of modelled minus metered kWh")
plt.show()
"""

WRAP = r"""
## Wrap-up

- **The register carries the energy, not the time.** A step over a comms gap has the right
  kWh and the wrong length if you assume 15 minutes; days are 92 or 100 intervals long when
  the clocks change. Sum by local day, divide by the real elapsed time.
- **Find the base from the data.** The 65 °F base is for houses; a plant's cooling load
  starts lower, and the residual standard deviation shows where.
- **Omitted variables bias what is left.** Production alone gets the credit for the
  weather's work when both rise in summer, and the residuals run in seasons.
- **Savings are against the adjusted baseline**, evaluated with the reporting period's
  production and weather, never against last year's energy or a kWh-per-case ratio.
- **A saving has an uncertainty**: the weeks' scatter and the fitted line's error both. If
  the interval reaches zero, the saving is not shown, whatever the work order says: fixing
  leaks saves energy only if the compressors unload.
"""

CHECKS = [
    {
        "id": "days",
        "points": 2,
        "description": "days, their total kWh, and the steps and kWh of the clock-change days",
        "observe": "[len(day_kwh), round(float(day_kwh.sum()), 1)] + [[int(day_steps.loc[d]), "
        "round(float(day_kwh.loc[d]), 1)] for d in ('2025-03-09', '2025-11-02', '2026-03-08')]",
        "compare": "close",
        "tolerance": 0.05,
        "hint": "Convert to America/Chicago, take differences, and give a step ending at "
        "00:00 to the day before.",
    },
    {
        "id": "demand",
        "points": 2,
        "visible": False,
        "description": "the longest step in hours and the peak average demand in kW",
        "observe": "[round(float(longest_step_h), 4), round(float(peak_kw), 3)]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Divide each step's kWh by its real length: a step over a gap is longer "
        "than 15 minutes.",
    },
    {
        "id": "weeks",
        "points": 1,
        "description": "the baseline year at CDD base 55 °F: weeks, kWh, thousands of cases "
        "and CDD",
        "observe": "[round(float(v), 2) for v in (len(weekly(daily, 55).loc[BASELINE]), "
        "*weekly(daily, 55).loc[BASELINE][['room_kwh', 'kcases', 'cdd']].sum())]",
        "compare": "close",
        "tolerance": 0.05,
        "hint": "Weeks start on Monday: resample('W-MON', label='left', closed='left').",
    },
    {
        "id": "base",
        "points": 2,
        "visible": False,
        "description": "the CDD base temperature with the smallest residual sd",
        "observe": "int(base)",
        "compare": "equal",
        "hint": "Try every whole base from 45 to 65 °F and keep the one whose model's "
        "residual standard deviation is smallest.",
    },
    {
        "id": "coefficients",
        "points": 2,
        "visible": False,
        "description": "the baseline's intercept, kWh per 1,000 cases and kWh per °F-day",
        "observe": "[round(float(v), 3) for v in model.params]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "room_kwh ~ kcases + cdd on the 52 baseline weeks, at the base you found.",
    },
    {
        "id": "fit-checks",
        "points": 2,
        "visible": False,
        "description": "R², CV(RMSE), NMBE and lag-1 r of the baseline",
        "observe": "[round(float(fit_checks[k]), 6) for k in ('r2', 'cv', 'nmbe', 'lag1')]",
        "compare": "close",
        "tolerance": 2e-5,
        "hint": "CV(RMSE) and NMBE divide by n - p, the weeks less the coefficients.",
    },
    {
        "id": "avoided",
        "points": 2,
        "visible": False,
        "description": "adjusted baseline, metered energy and avoided energy over the "
        "reporting weeks, kWh",
        "observe": "[round(float(adjusted.sum()), 1), round(float(report['room_kwh'].sum()), 1),"
        " round(float(avoided), 1)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "The adjusted baseline is the model evaluated with each reporting week's "
        "cases and degree days.",
    },
    {
        "id": "uncertainty",
        "points": 2,
        "visible": False,
        "description": "the standard error of the avoided energy, t and the 90 % half-width",
        "observe": "[round(float(se), 2), round(float(t90), 4), round(float(half), 2)]",
        "compare": "close",
        "tolerance": 0.05,
        "hint": "Both the weeks' scatter (m s²) and the fitted line's error, with t for the "
        "model's residual degrees of freedom.",
    },
    {
        "id": "verdict",
        "points": 1,
        "visible": False,
        "description": "is the saving shown?",
        "observe": "str(verdict)",
        "compare": "equal",
        "hint": "Shown only if the whole 90 % interval is above zero.",
    },
]

PITFALLS = [
    Pitfall(
        "gap-demand-quarter-hour",
        "Computes demand as every step's kWh divided by 0.25 h, so the step over the comms "
        "gap shows a peak the room cannot draw.",
        {
            "answer-days": swap(
                ANSWER_DAYS,
                "kw = kwh / hours  # average demand over each step's real length",
                "kw = kwh / 0.25  # every step taken as 15 minutes",
            )
        },
    ),
    Pitfall(
        "cdd-at-65",
        "Takes cooling degree days at the weather report's 65 °F base instead of the base "
        "the data show.",
        {
            "answer-fit": swap(
                ANSWER_FIT,
                "base = min(base_sd, key=base_sd.get)",
                "base = 65",
            )
        },
    ),
    Pitfall(
        "production-only",
        "Fits the baseline on production alone although the room's energy rises with the "
        "weather, so production takes the weather's credit and the adjusted baseline is wrong.",
        {
            "answer-fit": swap(
                ANSWER_FIT,
                'model = smf.ols("room_kwh ~ kcases + cdd", data=year).fit()',
                'model = smf.ols("room_kwh ~ kcases", data=year).fit()',
            )
        },
    ),
    Pitfall(
        "cv-with-n",
        "Divides by n instead of n - p in CV(RMSE) and NMBE.",
        {
            "answer-fit": swap(
                ANSWER_FIT,
                "dof = n - p  # Guideline 14's n - p",
                "dof = n",
            )
        },
    ),
    Pitfall(
        "unadjusted-baseline",
        "Computes the saving against the baseline year's average week, not the baseline "
        "adjusted to the reporting weeks' production and weather.",
        {
            "answer-saving": swap(
                ANSWER_SAVING,
                "adjusted = model.predict(report)  # the baseline under the reporting weeks' "
                "conditions",
                'adjusted = pd.Series(year["room_kwh"].mean(), index=report.index)',
            )
        },
    ),
    Pitfall(
        "ratio-enpi",
        "Takes the expected energy from the baseline year's kWh per 1,000 cases times the "
        "reporting weeks' cases (a ratio EnPI), ignoring the fixed load and the weather.",
        {
            "answer-saving": swap(
                ANSWER_SAVING,
                "adjusted = model.predict(report)  # the baseline under the reporting weeks' "
                "conditions",
                'adjusted = year["room_kwh"].sum() / year["kcases"].sum() * report["kcases"]',
            )
        },
    ),
    Pitfall(
        "scatter-only-uncertainty",
        "Takes the saving's standard error as √m·s only, leaving out the fitted line's error.",
        {
            "answer-saving": swap(
                ANSWER_SAVING,
                "return float(np.sqrt(scatter + line))",
                "return float(np.sqrt(scatter))",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Energy baseline and verified savings",
        competencies=["SM.IDQ.9"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-days", TASK_DAYS),
            code("answer-days", "answer", ANSWER_DAYS),
            md("task-weeks", TASK_WEEKS),
            code("answer-weeks", "answer", ANSWER_WEEKS),
            md("task-fit", TASK_FIT),
            code("answer-fit", "answer", ANSWER_FIT),
            code("plot-residuals", "readonly", PLOT),
            code("test-self", "test", TEST),
            md("task-saving", TASK_SAVING),
            code("answer-saving", "answer", ANSWER_SAVING),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)
