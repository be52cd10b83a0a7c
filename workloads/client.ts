// A lean cluster client for the load engine.
//
// Why not ioredis.Cluster: it re-sends commands behind the caller's back in ways we
// cannot switch off individually (TRYAGAIN is always retried after
// retryDelayOnTryAgain; pipelines retry whole batches on redirects without passing
// through any hook; "Connection is closed" is retried when retryDelayOnFailover > 0),
// and its per-command overhead would cap closed-loop throughput far below
// valkey-benchmark. Here every byte is accounted for:
//   - MOVED / ASK are followed (the command was not executed) and counted;
//   - TRYAGAIN, CLUSTERDOWN, CROSSSLOT and every other error reply go to the caller;
//   - nothing is ever re-sent after it reached a socket: a broken connection or a
//     timeout rejects the command with ClientError{sent}, the caller decides.
// Commands are pre-encoded RESP strings; writes issued in one event-loop turn are
// batched into one socket write per connection (pipelining without a pipeline API).
import net from "node:net";
import { HarnessError } from "../harness/errors.ts";
import { ClientError } from "./errors.ts";
import type { OpClass } from "./metrics-types.ts";
import { RespError, RespParser, encodeCommand, type Reply } from "./resp.ts";
import { SLOT_COUNT } from "./slots.ts";

/** `cmd` is the command the reply belongs to: one callback can serve every op, its data riding on the command */
export type ReplyCallback = (err: Error | null, reply: Reply, cmd: Command) => void;

export interface ClusterClientOptions {
  /** "host:port" of any cluster nodes */
  seeds: string[];
  /** sockets per node; callers pick one with `conn` (default 1) */
  connectionsPerNode?: number;
  /** per-command reply timeout from the moment it is written, ms (default 5000) */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** MOVED/ASK hops followed per command before the error is returned (default 5) */
  maxRedirects?: number;
  /** after a failed connect, commands to that node fail fast for this long (default 100 ms) */
  reconnectDelayMs?: number;
}

export interface ClientStats {
  /** redirect replies received (each one followed unless maxRedirects was reached) */
  moved: number;
  ask: number;
  /** TRYAGAIN / CLUSTERDOWN replies (returned to the caller, never retried here) */
  tryagain: number;
  clusterdown: number;
  timeouts: number;
  connectionErrors: number;
  slotRefreshes: number;
  /** socket writes and the commands they carried (batching efficiency) */
  socketWrites: number;
  commandsWritten: number;
}

const ASKING = encodeCommand(["ASKING"]);

/**
 * One command in flight. A plain class (no field initialisers, no subclasses): one
 * is made per op, and V8 builds these fastest.
 */
export class Command {
  /** the RESP encoding, as a byte string (see resp.ts `encodeCommand`) */
  payload: string;
  slot: number;
  conn: number;
  cb: ReplyCallback;
  redirects: number;
  /** the caller ignores reply values: bulk strings are skipped, not decoded */
  raw: boolean;
  /** the reply must be swallowed (ASKING's +OK, or the command already timed out) */
  discard: boolean;
  /** reply deadline (performance.now() ms), set when the command is handed to the socket */
  deadline: number;
  // Load-op bookkeeping, never read by the client: a load executor's one shared
  // callback finds its op's context here instead of in a closure per op.
  /** ms on the run clock: intended start (open loop) and send */
  intended: number;
  sent: number;
  cls: OpClass;
  migrating: boolean;
  /** the executor's logical connection */
  lane: number;

  constructor(payload: string, slot: number, conn: number, cb: ReplyCallback) {
    this.payload = payload;
    this.slot = slot;
    this.conn = conn;
    this.cb = cb;
    this.redirects = 0;
    this.raw = false;
    this.discard = false;
    this.deadline = Infinity;
    this.intended = 0;
    this.sent = 0;
    this.cls = "read";
    this.migrating = false;
    this.lane = 0;
  }
}

/** FIFO of in-flight commands on one socket (replies come back in order): a ring that doubles when full. */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(64).fill(undefined);
  private mask = 63;
  private head = 0;
  private count = 0;
  get length(): number {
    return this.count;
  }
  push(x: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = x;
    this.count++;
  }
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const x = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return x;
  }
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }
  /** the i-th entry from the head (i < length) */
  at(i: number): T | undefined {
    return this.items[(this.head + i) & this.mask];
  }
  drain(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i)!);
    this.items = new Array<T | undefined>(64).fill(undefined);
    this.mask = 63;
    this.head = this.count = 0;
    return out;
  }
  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) next[i] = this.at(i);
    this.items = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}

class NodeConn {
  state: "down" | "connecting" | "ready" = "down";
  private socket: net.Socket | undefined;
  private readonly parser: RespParser;
  /** handed to the socket (or about to be, see `unflushed`), awaiting replies */
  readonly inflight = new Fifo<Command>();
  /** commands waiting for the connection to come up (never sent) */
  private waiting: Command[] = [];
  private out = "";
  /** the last `unflushed` inflight entries are still in `out`, not yet on the socket */
  private unflushed = 0;
  dirty = false;
  private lastFailAt = -Infinity;
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly node: ClusterNode,
    private readonly client: ClusterClient,
  ) {
    this.parser = new RespParser(
      (r) => this.onReply(r),
      () => this.inflight.peek()?.raw === true,
      true, // fed from the socket's reused read buffer
    );
  }

  write(p: Command): void {
    if (this.state === "ready") {
      this.enqueue(p);
      return;
    }
    if (this.state === "down") {
      if (performance.now() - this.lastFailAt < this.client.reconnectDelayMs) {
        if (!p.discard) this.client.failLater(p, new ClientError("connection", false, `not connected to ${this.node.addr} (reconnect backoff)`));
        return;
      }
      this.connect();
    }
    this.waiting.push(p);
  }

  /** ASKING + command, back to back on this socket */
  writeAsking(p: Command): void {
    const asking = new Command(ASKING, p.slot, p.conn, noop);
    asking.discard = true;
    this.write(asking);
    this.write(p);
  }

  private enqueue(p: Command): void {
    p.deadline = Infinity; // set when it is handed to the socket
    this.out += p.payload;
    this.inflight.push(p);
    this.unflushed++;
    if (!this.dirty) this.client.markDirty(this);
  }

  flush(): void {
    this.dirty = false;
    if (this.unflushed === 0 || !this.socket) return;
    // the reply timeout runs from the moment the command is handed to the socket
    // (one clock read per write, not per command)
    const deadline = performance.now() + this.client.timeoutMs;
    const q = this.inflight;
    for (let i = q.length - this.unflushed; i < q.length; i++) q.at(i)!.deadline = deadline;
    this.socket.write(this.out, "latin1");
    this.client.stats.socketWrites++;
    this.client.stats.commandsWritten += this.unflushed;
    this.out = "";
    this.unflushed = 0;
  }

  private connect(): void {
    this.state = "connecting";
    // `onread` reads into one reused buffer and skips the Readable stream machinery
    // (no 'data' events, no per-read allocation): the parser copies what it keeps.
    const socket = net.connect({
      host: this.node.host,
      port: this.node.port,
      noDelay: true,
      onread: {
        buffer: this.readBuffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          // one clock read per socket read: the time every reply in it arrived
          this.client.replyAt = performance.now();
          try {
            this.parser.feed(buf as Buffer, n); // buf is readBuffer: no view per read
          } catch (e) {
            socket.destroy(e as Error);
          }
          return true;
        },
      },
    });
    this.socket = socket;
    const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${this.client.connectTimeoutMs} ms`)), this.client.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      this.state = "ready";
      const waiting = this.waiting;
      this.waiting = [];
      for (const p of waiting) this.enqueue(p);
    });
    socket.on("error", () => {}); // 'close' follows and does the bookkeeping
    socket.once("close", () => {
      clearTimeout(timer);
      if (this.socket === socket) this.onClose(`connection to ${this.node.addr} closed`);
    });
  }

  /** Drops the socket; everything in flight gets a ClientError (timeouts already done). */
  destroy(reason: string): void {
    const s = this.socket;
    if (!s) return;
    this.onClose(reason);
    s.destroy();
  }

  private onClose(reason: string): void {
    const wasReady = this.state === "ready";
    // only a failed connect starts the fail-fast backoff; a dropped live socket reconnects on next use
    if (!wasReady) this.lastFailAt = performance.now();
    this.state = "down";
    this.socket = undefined;
    this.parser.reset();
    this.out = "";
    const inflight = this.inflight.drain();
    const sentCount = inflight.length - this.unflushed;
    this.unflushed = 0;
    const waiting = this.waiting;
    this.waiting = [];
    for (let i = 0; i < inflight.length; i++) {
      const p = inflight[i];
      if (p.discard) continue;
      this.client.finishError(p, new ClientError("connection", i < sentCount, reason));
    }
    for (const p of waiting) {
      if (!p.discard) this.client.finishError(p, new ClientError("connection", false, reason));
    }
    if (wasReady || inflight.length > 0 || waiting.length > 0) this.client.scheduleRefresh();
  }

  private onReply(reply: Reply): void {
    const p = this.inflight.shift();
    if (!p) {
      this.destroy(`unexpected reply from ${this.node.addr}`);
      return;
    }
    if (p.discard) return;
    this.client.handleReply(p, reply, this);
  }

  /** Times out overdue commands; returns true if it had to drop the socket. */
  sweep(now: number): boolean {
    const head = firstLive(this.inflight);
    if (!head || head.deadline > now) return false;
    // Replies come in order, so everything behind an overdue command is stuck too:
    // time out the overdue ones, then drop the socket (bounded memory, like most
    // clients); the rest get a connection error. Callbacks run after the socket is
    // gone so that follow-up commands do not land on it.
    const overdue: Command[] = [];
    for (let i = 0; i < this.inflight.length; i++) {
      const p = this.inflight.at(i)!;
      if (p.discard || p.deadline > now) continue;
      p.discard = true;
      overdue.push(p);
    }
    this.destroy(`connection to ${this.node.addr} dropped after a command timed out`);
    const err = new ClientError("timeout", true, `no reply from ${this.node.addr} within ${this.client.timeoutMs} ms`);
    for (const p of overdue) this.client.finishError(p, err, true);
    return true;
  }

  get pendingCount(): number {
    return this.inflight.length + this.waiting.length;
  }
}

function firstLive(q: Fifo<Command>): Command | undefined {
  for (let i = 0; i < q.length; i++) {
    const p = q.at(i)!;
    if (!p.discard) return p;
  }
  return undefined;
}

function noop(): void {}

class ClusterNode {
  readonly conns: NodeConn[];
  constructor(
    readonly host: string,
    readonly port: number,
    client: ClusterClient,
    n: number,
  ) {
    this.conns = Array.from({ length: n }, () => new NodeConn(this, client));
  }
  get addr(): string {
    return `${this.host}:${this.port}`;
  }
}

export function parseAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(":");
  const port = Number(addr.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new HarnessError(`bad node address "${addr}" (want host:port)`);
  return { host: addr.slice(0, i), port };
}

export class ClusterClient {
  readonly stats: ClientStats = { moved: 0, ask: 0, tryagain: 0, clusterdown: 0, timeouts: 0, connectionErrors: 0, slotRefreshes: 0, socketWrites: 0, commandsWritten: 0 };
  /**
   * performance.now() when the reply or error now being handed to a callback arrived:
   * the socket read that brought the reply, or when the error was decided.
   */
  replyAt = 0;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectDelayMs: number;
  private readonly maxRedirects: number;
  private readonly connsPerNode: number;
  private readonly seeds: string[];
  private readonly nodes = new Map<string, ClusterNode>();
  private owners: (ClusterNode | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  private dirty: NodeConn[] = [];
  private flushScheduled = false;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private lastRefreshAt = -Infinity;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(opts: ClusterClientOptions) {
    if (opts.seeds.length === 0) throw new HarnessError("cluster client needs at least one seed address");
    this.seeds = opts.seeds;
    this.connsPerNode = Math.max(1, opts.connectionsPerNode ?? 1);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 100;
  }

  /** Learns the slot map from the first seed that answers. */
  async connect(): Promise<void> {
    for (const seed of this.seeds) this.nodeFor(seed);
    const interval = Math.max(5, Math.min(100, this.timeoutMs / 10));
    this.sweeper ??= setInterval(() => this.sweep(), interval);
    this.sweeper.unref();
    try {
      await this.refreshSlots();
    } catch (e) {
      throw new HarnessError(`no slot map from any seed (${this.seeds.join(", ")}): ${(e as Error).message}`);
    }
    if (!this.owners.some((n) => n !== undefined)) {
      throw new HarnessError(`no slot map from any seed (${this.seeds.join(", ")}): CLUSTER SLOTS listed no slots`);
    }
  }

  /**
   * Sends a pre-encoded command to the owner of `slot`, on socket `conn % connectionsPerNode`.
   * `raw`: the callback does not look at reply values (bulk strings come back as "").
   */
  send(payload: string, slot: number, conn: number, cb: ReplyCallback, raw = false): void {
    const p = new Command(payload, slot, conn, cb);
    p.raw = raw;
    this.dispatch(p);
  }

  /** Sends a command the caller built (the load executors fill its per-op fields and share one callback). */
  dispatch(cmd: Command): void {
    cmd.conn = cmd.conn % this.connsPerNode;
    if (this.closed) {
      this.failLater(cmd, new ClientError("connection", false, "client closed"));
      return;
    }
    const node = this.owners[cmd.slot] ?? this.anyNode();
    if (!node) {
      this.failLater(cmd, new ClientError("connection", false, `no node known for slot ${cmd.slot}`));
      return;
    }
    node.conns[cmd.conn].write(cmd);
  }

  /** Promise form for occasional commands. Rejects with RespError or ClientError. */
  call(args: readonly string[], slot: number, conn = 0): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.send(encodeCommand(args), slot, conn, (err, reply) => (err ? reject(err) : resolve(reply)));
    });
  }

  /** Sends to one node by address (not slot-routed; redirects still followed). */
  callNode(addr: string, args: readonly string[]): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const p = new Command(encodeCommand(args), -1, 0, (err, reply) => (err ? reject(err) : resolve(reply)));
      this.nodeFor(addr).conns[0].write(p);
    });
  }

  /** addresses of the nodes that currently own at least one slot */
  primaries(): string[] {
    const set = new Set<string>();
    for (const n of this.owners) if (n) set.add(n.addr);
    return [...set].sort();
  }

  /** owner address of a slot per the client's map */
  ownerOf(slot: number): string | undefined {
    return this.owners[slot]?.addr;
  }

  /** in-flight commands across all sockets (for draining) */
  get inflight(): number {
    let n = 0;
    for (const node of this.nodes.values()) for (const c of node.conns) n += c.pendingCount;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const node of this.nodes.values()) for (const c of node.conns) c.destroy("client closed");
  }

  // ---- internals used by NodeConn ----

  markDirty(c: NodeConn): void {
    c.dirty = true;
    this.dirty.push(c);
    if (!this.flushScheduled) {
      // setImmediate, not nextTick: every socket read in this loop turn adds its
      // follow-up commands first, so each socket gets one larger write per turn
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (const c of list) c.flush();
  };

  handleReply(p: Command, reply: Reply, from: NodeConn): void {
    // typeof first: the common replies (strings, numbers) skip the instanceof call
    if (typeof reply === "object" && reply instanceof RespError) {
      const code = reply.code;
      if (code === "MOVED" || code === "ASK") {
        if (code === "MOVED") this.stats.moved++;
        else this.stats.ask++;
        if (p.redirects < this.maxRedirects) {
          const parts = reply.message.split(" ");
          const slot = Number(parts[1]);
          let addr = parts[2] ?? "";
          if (addr.startsWith(":")) addr = from.node.host + addr; // endpoint omitted: same host
          p.redirects++;
          const target = this.nodeFor(addr);
          if (code === "MOVED") {
            if (slot >= 0 && slot < SLOT_COUNT) this.owners[slot] = target;
            this.scheduleRefresh();
            target.conns[p.conn].write(p);
          } else {
            target.conns[p.conn].writeAsking(p);
          }
          return;
        }
      } else if (code === "TRYAGAIN") this.stats.tryagain++;
      else if (code === "CLUSTERDOWN") this.stats.clusterdown++;
      p.cb(reply, null, p);
      return;
    }
    p.cb(null, reply, p);
  }

  /**
   * Errors found while sending are reported from a later macrotask: a caller that
   * sends again from its callback must not recurse, nor starve I/O with nextTicks.
   */
  failLater(p: Command, err: ClientError): void {
    setImmediate(() => this.finishError(p, err));
  }

  finishError(p: Command, err: ClientError, isTimeout = false): void {
    this.replyAt = performance.now();
    if (isTimeout) this.stats.timeouts++;
    else this.stats.connectionErrors++;
    p.cb(err, null, p);
  }

  scheduleRefresh(): void {
    if (this.closed) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    const wait = Math.max(0, this.lastRefreshAt + 100 - performance.now());
    this.refreshing = new Promise<void>((resolve) => setTimeout(resolve, wait))
      .then(() => this.refreshSlots())
      .catch(() => {});
  }

  /** Reloads the slot map with CLUSTER SLOTS from the first node that answers. */
  async refreshSlots(): Promise<void> {
    try {
      const candidates = [...new Set([...this.primaries(), ...this.nodes.keys()])];
      let lastError: unknown;
      for (const addr of candidates) {
        if (this.closed) return;
        try {
          const reply = await this.callNode(addr, ["CLUSTER", "SLOTS"]);
          this.applySlots(reply, parseAddr(addr).host);
          this.stats.slotRefreshes++;
          return;
        } catch (e) {
          lastError = e;
        }
      }
      if (lastError) throw lastError;
    } finally {
      this.lastRefreshAt = performance.now();
      this.refreshing = undefined;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.scheduleRefresh();
      }
    }
  }

  private applySlots(reply: Reply, askedHost: string): void {
    if (!Array.isArray(reply)) throw new HarnessError("CLUSTER SLOTS: unexpected reply");
    const owners: (ClusterNode | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
    for (const range of reply) {
      if (!Array.isArray(range) || range.length < 3) continue;
      const [from, to, primary] = range as [number, number, Reply[]];
      let host = String(primary[0] ?? "");
      if (host === "" || host === "?") host = askedHost;
      const node = this.nodeFor(`${host}:${Number(primary[1])}`);
      for (let s = from; s <= to; s++) owners[s] = node;
    }
    this.owners = owners;
  }

  private nodeFor(addr: string): ClusterNode {
    let node = this.nodes.get(addr);
    if (!node) {
      const { host, port } = parseAddr(addr);
      node = new ClusterNode(host, port, this, this.connsPerNode);
      this.nodes.set(addr, node);
    }
    return node;
  }

  private anyNode(): ClusterNode | undefined {
    for (const n of this.owners) if (n) return n;
    return this.nodes.values().next().value;
  }

  private sweep(): void {
    const now = performance.now();
    for (const node of this.nodes.values()) for (const c of node.conns) if (c.state === "ready") c.sweep(now);
  }
}
