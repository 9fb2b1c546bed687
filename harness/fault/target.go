package fault

import (
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/nngbench/nngbench/harness/cluster"
)

// clusterTarget adapts a *cluster.Cluster to Target.
type clusterTarget struct{ c *cluster.Cluster }

// ClusterTarget makes c a Target. The control plane is a target of
// process faults when it runs as a process.
func ClusterTarget(c *cluster.Cluster) Target { return clusterTarget{c} }

func (t clusterTarget) Workers() []string { return t.c.Workers() }

func (t clusterTarget) Proxy(worker, link string) *toxiclient.Proxy { return t.c.Proxy(worker, link) }

func (t clusterTarget) Process(name string) Process {
	if name == ControlPlane {
		if p := t.c.ControlPlaneProcess(); p != nil {
			return p
		}
		return nil // embedded: ErrControlPlane says so
	}
	if p := t.c.Worker(name); p != nil {
		return p
	}
	return nil
}
