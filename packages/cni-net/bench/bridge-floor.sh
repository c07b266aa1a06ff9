#!/bin/sh
# The floor for the benchmark: the bridge plugin alone (with host-local), exec'd by a shell
# loop with the same stdin the driver sends, inside the same node namespace, the same way
# (nsenter --net). Prints one line per iteration: ADD+DEL nanoseconds.
# usage: bridge-floor.sh <node netns path> <pod netns path> <config file> <iterations>
set -eu
node=$1 pod=$2 conf=$3 n=$4
export CNI_CONTAINERID=floor CNI_NETNS=$pod CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni CNI_ARGS='IgnoreUnknown=1'
i=0
while [ "$i" -lt "$n" ]; do
  start=$(date +%s%N)
  CNI_COMMAND=ADD nsenter --net="$node" /usr/lib/cni/bridge <"$conf" >/dev/null
  CNI_COMMAND=DEL nsenter --net="$node" /usr/lib/cni/bridge <"$conf" >/dev/null
  end=$(date +%s%N)
  echo $((end - start))
  i=$((i + 1))
done
