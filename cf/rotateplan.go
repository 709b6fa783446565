package cf

import (
	"encoding/json"
	"time"
)

// PlanRow is one key of a rotation's plan or summary, as cfkeys key rotate prints it and the UI shows it: the
// same words in both, from this one place.
type PlanRow struct {
	Org          string         `json:"org"`
	Space        string         `json:"space"`
	Instance     string         `json:"instance"`
	OldName      string         `json:"old_name"`
	OldGUID      string         `json:"old_guid"`
	OldExpiry    *time.Time     `json:"old_expiry,omitempty"`
	NewName      string         `json:"new_name"`
	NewGUID      string         `json:"new_guid,omitempty"`
	NewExpiry    *time.Time     `json:"new_expiry,omitempty"`
	Parameters   map[string]any `json:"parameters,omitempty"`
	ParamsSource string         `json:"parameters_source,omitempty"`
	OldKey       string         `json:"old_key"`
	Step         Step           `json:"step"`
	Note         string         `json:"note,omitempty"`
}

// Row describes the item for a plan or a summary; deleteOld says what happens to the old key. Parameters are
// masked (secrets, PEM abbreviated) and the note redacted (Redact): a row is fit to print.
func (it RotationItem) Row(deleteOld bool) PlanRow {
	r := PlanRow{Org: it.Old.Instance.OrgName, Space: it.Old.Instance.SpaceName, Instance: it.Old.Instance.Name, OldName: it.Old.Name, OldGUID: it.Old.GUID,
		NewName: it.NewName, NewGUID: it.NewGUID, Parameters: it.SafeParameters(), ParamsSource: it.ParamsSource, Step: it.Step, Note: it.SkipReason,
		OldKey: "kept, marked replaced-by its successor"}
	if deleteOld {
		r.OldKey = "deleted once its successor is verified"
	}
	if c := it.Old.Finding.Certificate; c != nil {
		t := c.Effective()
		r.OldExpiry = &t
	}
	if c := it.NewFinding.Certificate; c != nil {
		t := c.Effective()
		r.NewExpiry = &t
	}
	if it.Err != nil {
		r.Note = Redact(it.Err.Error()) // printed and written as JSON: a server may have echoed the token
		if IsInterrupted(it.Err) {
			r.Note = "interrupted after this step: run again with --resume"
		}
	}
	r.Note = Redact(r.Note) // an error may quote what a server echoed: a token, a password
	return r
}

// PlanHeader is the plan table's column titles; PlanCells gives a row's cells in this order.
var PlanHeader = []string{"KEY", "ORG / SPACE / INSTANCE", "OLD EXPIRY", "NEW NAME", "PARAMETERS", "THE OLD KEY IS"}

// PlanCells are the row's cells of the plan table (PlanHeader): parameters as one line of masked JSON with their
// source, and for a skipped key why.
func (r PlanRow) PlanCells() []string {
	params := "none"
	if r.Parameters != nil {
		data, _ := json.Marshal(r.Parameters)
		params = string(data)
	}
	if r.ParamsSource != "" && r.ParamsSource != "none" {
		params += " (" + r.ParamsSource + ")"
	}
	old := r.OldKey
	if r.Step == StepSkipped {
		old, params = "skipped: "+r.Note, "-"
	}
	return []string{r.OldName, r.Org + " / " + r.Space + " / " + r.Instance, DayOf(r.OldExpiry), r.NewName, params, old}
}

// DayOf is an instant's day in UTC (2026-12-07), or "-" for none.
func DayOf(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}
