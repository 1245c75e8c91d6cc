// Command etcd is etcd's own server main, built from the published module so
// the Berth test harness needs no prebuilt binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
