package load

import "time"

// SurveyCount is how much of a survey run was answered, over the measured window (surveys due
// before Outcome.Window are warmup and not counted). Zero for the other patterns.
type SurveyCount struct {
	Surveys  int64   // surveys sent
	Replies  int64   // answers in before their survey's deadline, at most one per peer and survey
	Expected int64   // Surveys x Spec.Peers: one answer per peer and survey
	Share    float64 // Replies / Expected; 0 when nothing was expected
}

// add counts sv, if it was due in the window, as owed by peers respondents.
func (n *SurveyCount) add(sv *survey, window time.Time, peers int) {
	if sv.st.Intended.Before(window) {
		return
	}
	n.Surveys++
	n.Replies += int64(len(sv.replies))
	n.Expected += int64(peers)
}

func (n *SurveyCount) finish() {
	if n.Expected > 0 {
		n.Share = float64(n.Replies) / float64(n.Expected)
	}
}
