// The provider's view of a scenario's cluster section.
import type { ClusterSpec } from "../providers/types.ts";
import type { ClusterSection } from "./types.ts";

export function clusterSpecOf(cluster: ClusterSection): ClusterSpec {
  return {
    server: cluster.server,
    ...(cluster.serverBin !== undefined && { serverBin: cluster.serverBin }),
    primaries: cluster.primaries,
    replicasPerPrimary: cluster.replicas,
    config: { ...cluster.config },
  };
}
