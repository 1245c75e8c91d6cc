//go:build tools

// Package tools pins the Kubernetes control-plane commands that the Berth test
// harness builds: `go build` of the three cmd packages below, from this module,
// gives binaries at exactly the versions in go.mod.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
