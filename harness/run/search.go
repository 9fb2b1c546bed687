package run

// DefaultPrecision ends a search once the lowest failing rate is within
// this share above the highest passing one: the knee is then known to
// within it, and more steps would only split hairs the machine's noise
// is larger than.
const DefaultPrecision = 0.05

// search looks for the highest rate that passes, as OpenMessaging
// Benchmark looks for the maximum sustainable rate: it doubles the rate
// while every step passes, halves it while every step fails, and once a
// pass and a fail bracket the knee it bisects between them. Each Step
// is one run (or --repeat runs) at Rate.
type search struct {
	rate      float64 // the next rate to run
	pass      float64 // the highest rate that passed; 0 if none yet
	fail      float64 // the lowest rate that failed; 0 if none yet
	precision float64
}

func newSearch(start float64) *search {
	return &search{rate: start, precision: DefaultPrecision}
}

// step records whether the run at s.rate passed and picks the next rate.
func (s *search) step(passed bool) {
	r := s.rate
	if passed {
		s.pass = max(s.pass, r)
	} else if s.fail == 0 || r < s.fail {
		s.fail = r
	}
	switch {
	case s.fail == 0:
		s.rate = 2 * s.pass
	case s.pass == 0:
		s.rate = s.fail / 2
	default:
		s.rate = (s.pass + s.fail) / 2
	}
}

// done says whether the knee is bracketed closely enough.
func (s *search) done() bool {
	return s.pass > 0 && s.fail > 0 && s.fail <= s.pass*(1+s.precision)
}

// knee is the highest rate that passed; 0 if none did.
func (s *search) knee() float64 { return s.pass }
