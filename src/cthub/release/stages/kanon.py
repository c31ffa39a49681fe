"""k-anonymized microdata (`classic` profile): the standard's column allow-list, l-diversity, persons counted.

Classic protection is not DP: the file shows the exact number of records and every class holds at least k distinct
persons on its quasi-identifiers (with l-diversity on the sensitive flags by default). Columns the standard does
not allow in microdata are left out, so the file cannot be joined back to finer aggregates.
"""

from __future__ import annotations

from pathlib import Path

from cthub.release.stages.base import Guarantee, Output, Spend, TableContext, write_frame

PERSON = "_person"


class KAnonymized:
    name = "kanon"

    def label(self, ctx: TableContext) -> str:
        return f"{ctx.name}: k-anonymity (k={ctx.config.release.deid.k})"

    def plan(self, ctx: TableContext) -> list[Spend]:
        return []

    def run(self, ctx: TableContext, folder: Path) -> list[Output]:
        from cthub.deid import KAnonymityError, anonymize

        rc = ctx.config.release
        std = ctx.std_table
        qi = [c for c in (rc.deid.quasi_identifiers or std.quasi_identifiers) if c in ctx.records.columns]
        # The allow-list decides what the file carries; a quasi-identifier outside it is neither published nor
        # searched (anonymize drops it).
        allowed = (rc.deid.columns or {}).get(ctx.name) or list(std.kanon_columns)
        cols = [c for c in ctx.records.columns if c in set(allowed)]
        frame = ctx.records.copy()
        person = None
        if ctx.persons is not None:
            frame[PERSON] = ctx.persons.to_numpy()
            person = PERSON
        try:
            res = anonymize(frame, qi, k=rc.deid.k, max_suppression=rc.deid.max_suppression,
                            l_diversity=rc.deid.l_diversity, columns=cols, person=person, standard_table=ctx.name)
        except KAnonymityError as exc:
            ctx.notes.append(f"k-anonymized microdata not released: {exc}")
            return []
        table = res.table.drop(columns=[PERSON], errors="ignore")
        published_qi = [c for c in qi if c in table.columns]
        ctx.results["kanon"] = table
        ctx.results["kanon_report"] = res.report
        ctx.results["quasi_identifiers"] = published_qi
        ctx.results["records"] = {"value": int(len(table)), "guarantee": "k-anonymity",
                                  "note": "the number of rows of the k-anonymized file (exact: k-anonymity does not "
                                          "hide how many records there are)"}
        l_div = res.report.get("l_diversity") or {}
        guarantee = Guarantee("k-anonymity", {
            "k": rc.deid.k, "k_achieved": res.report.get("k_achieved"), "unit": "person" if person else "row",
            "quasi_identifiers": published_qi, "columns": list(table.columns),
            "l_diversity": {c: v.get("l") if isinstance(v, dict) else v for c, v in l_div.items()},
            "levels": res.report.get("levels"),
        })
        title = f"{std.title}: k-anonymized microdata"
        return [Output(p, "kanon", guarantee, ctx.name, title) for p in write_frame(folder, ctx.name, "kanon", table)]
