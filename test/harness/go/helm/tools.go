//go:build tools

// Package tools pins helm for the Berth test harness (chart install tests).
package tools

import _ "helm.sh/helm/v3/cmd/helm"
