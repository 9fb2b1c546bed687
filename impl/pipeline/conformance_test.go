package pipeline_test

import (
	"testing"

	"github.com/nngbench/nngbench/impl/internal/conformance"
	"github.com/nngbench/nngbench/impl/internal/testkit"
)

func TestConformance(t *testing.T) { testkit.ForEach(t, conformance.VerifyPipeline) }
