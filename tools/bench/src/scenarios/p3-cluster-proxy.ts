import { client, createActor, distPath, freePort } from '@alien/testing';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import type { BenchContext, LoadTarget } from '../context';
import { cpuSeconds } from '../cpu';
import { HttpLoadResult, loadProblems, runHttpLoad } from '../http-load';
import type { Row, Scenario } from '../scenario';

/** Goals from the issue. */
export const P3_GOALS = { vsDirect1k: 0.7, vsDirect1m: 0.9, vsNginx1m: 0.8, maxRssGrowthMb: 30 } as const;
const STREAM_BYTES = 1_000_000_000;

interface Nginx {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * nginx as a plain reverse proxy in one process (`master_process off`, like our one proxy process),
 * keep-alive to the upstream, streaming both ways (`proxy_buffering off`, `proxy_request_buffering off`,
 * what our proxy does), no access log.
 */
async function startNginx(binary: string, upstreamPort: number, dir: string): Promise<Nginx> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `master_process off;
daemon off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  upstream cluster { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://cluster;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr.trim()}`);
    try {
      await fetch(`${url}/bench/1k`).then((r) => r.arrayBuffer());
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not answer: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}

/** One request before the load: 200 and the very bytes the upstream sends. */
async function probeBody(url: string, headers: Record<string, string>, expected: string | null): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(url, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    const hash = createHash('sha256').update(body).digest('hex');
    if (res.status === 200 && (expected === null || hash === expected)) return hash;
    if (Date.now() > deadline) throw new Error(`GET ${url} answered ${res.status} (${body.length} bytes): ${body.toString('utf8', 0, 200)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function rssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Streams from `url` and discards the bytes (node:http, not fetch: cheaper per byte), sampling the RSS of `pids`. */
async function streamAndWatch(url: string, headers: Record<string, string>, pids: Record<string, number | undefined>) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, rssMb(pid) ?? NaN]));
  const peak = { ...before };
  const timer = setInterval(() => {
    for (const [k, pid] of Object.entries(pids)) peak[k] = Math.max(peak[k] ?? 0, rssMb(pid) ?? 0);
  }, 50);
  const started = performance.now();
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = get(url, { headers, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`stream answered ${res.statusCode}`));
        }
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.once('end', resolve);
        res.once('error', reject);
      });
      req.once('error', reject);
    });
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  return { before, peak, received, seconds };
}

function row(name: string, r: HttpLoadResult | undefined, role: Row['role']): Row {
  return {
    scenario: 'P3',
    case: name,
    role,
    connections: r?.connections,
    rps: r?.rps,
    spreadPct: r && r.rounds > 1 ? r.spreadPct : undefined,
    meanMs: r?.latency.mean,
    p50Ms: r?.latency.p50,
    p99Ms: r?.latency.p99,
    cpuMsPerRequest: r?.cpuMsPerRequest,
    problems: r ? loadProblems(r) : ['not measured'],
    details: r ? { ...r } : undefined,
  };
}

/** CPU per answered request (any status), interleaved rounds: for routes that answer errors on purpose. */
async function cpuPerRequest(ctx: BenchContext, targets: (LoadTarget & { status: number })[], pid: number | undefined) {
  const totals = new Map(targets.map((t) => [t.name, { cpu: 0, requests: 0, wrong: 0 }]));
  const rounds = Math.max(1, ctx.settings.rounds);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length] as LoadTarget & { status: number };
      const before = cpuSeconds(pid);
      const raw = await runHttpLoad({ url: t.url, headers: t.headers, connections: ctx.settings.connections, durationS: ctx.settings.durationS / rounds });
      const after = cpuSeconds(pid);
      const total = totals.get(t.name) as { cpu: number; requests: number; wrong: number };
      total.cpu += before === undefined || after === undefined ? NaN : after - before;
      total.requests += raw.ok + raw.non2xx;
      total.wrong += Object.entries(raw.statusCodes).filter(([code]) => Number(code) !== t.status).reduce((s, [, n]) => s + n, 0) + raw.errors;
    }
  }
  return new Map([...totals].map(([name, t]) => [name, { msPerRequest: (t.cpu * 1000) / Math.max(1, t.requests), requests: t.requests, wrong: t.wrong }]));
}

export const P3: Scenario = {
  id: 'P3',
  title: 'GET through the cluster proxy vs the upstream directly vs nginx (1 KB, 1 MB); memory while 1 GB streams',
  description:
    'A plain node:http upstream (the "cluster") reached directly, through the proxy app (what an ingress routing the proxy ' +
    'paths to it does: authentication with an oat_ token, cached access decision, identity headers and assertion, audit), ' +
    'through the gateway on :3333 streaming to the proxy app, and through nginx (one process, keep-alive, no buffering). ' +
    'Interleaved rounds; the proxy and gateway at LOG_LEVEL=warn. Then the proxy’s RSS while 1 GB streams through it, and ' +
    'the CPU of the access check (a cached 404 for an invisible cluster minus a 401 without credentials).',

  async run(ctx: BenchContext): Promise<Row[]> {
    const { settings } = ctx;
    const platform = await ctx.platform();
    const upstream = await ctx.startScript('p3-upstream', distPath('tools', 'bench', 'src', 'upstream-server.js'), { PATH: process.env['PATH'] }, {
      line: (l) => l['msg'] === 'upstream listening',
    });
    const upstreamPort = upstream.readyLine['port'] as number;
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    await Promise.all([ctx.startService('auth', {}, 'p3-auth'), ctx.startService('orchestration', {}, 'p3-orchestration')]);
    const proxy = await ctx.startService('proxy', {}, 'p3-proxy');
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const gateway = await ctx.startGateway({ PROXY_URL: proxyUrl }, 'p3-gateway');

    const actor = await createActor(platform.env, 'p3');
    const api = client(gateway.url, actor.token);
    const deadline = Date.now() + 10_000;
    while ((await api.post('/organizations', { name: 'P3 bench' })).status !== 201) {
      if (Date.now() > deadline) throw new Error('could not create the bench organization');
      await new Promise((r) => setTimeout(r, 200));
    }
    const clusterId = (await api.post('/clusters', { name: 'P3 upstream', baseUrl: upstreamUrl, credential: 'bench-credential' })).body.data.id as number;
    const auth = { authorization: `Bearer ${actor.token}` };
    const pid = {
      upstream: upstream.child.pid,
      proxy: proxy.child.pid,
      gateway: gateway.process.child.pid,
    };

    const nginxBinary = findNginx();
    const nginx = nginxBinary ? await startNginx(nginxBinary, upstreamPort, path.join(ctx.logDir, 'nginx')) : null;
    if (!nginx) ctx.note('nginx not found (Debian: apt-get install -y nginx): its rows are missing');
    const rows: Row[] = [];
    try {
      for (const size of ['1k', '1m'] as const) {
        const rel = `/bench/${size}`;
        const viaProxy = `/clusters/${clusterId}/proxy${rel}`;
        const cases: (LoadTarget & { key: string })[] = [
          { key: 'direct', name: `${size.toUpperCase()}B direct to the upstream`, url: upstreamUrl + rel, processes: [{ label: 'upstream', pid: pid.upstream }] },
          {
            key: 'proxy',
            name: `${size.toUpperCase()}B proxy app (ingress → proxy)`,
            url: proxyUrl + viaProxy,
            headers: auth,
            processes: [
              { label: 'proxy', pid: pid.proxy },
              { label: 'upstream', pid: pid.upstream },
            ],
          },
          {
            key: 'gateway',
            name: `${size.toUpperCase()}B :3333 (gateway → proxy)`,
            url: gateway.url + viaProxy,
            headers: auth,
            processes: [
              { label: 'gateway', pid: pid.gateway },
              { label: 'proxy', pid: pid.proxy },
              { label: 'upstream', pid: pid.upstream },
            ],
          },
          ...(nginx
            ? [{ key: 'nginx', name: `${size.toUpperCase()}B nginx`, url: nginx.url + rel, processes: [{ label: 'nginx', pid: nginx.pid }, { label: 'upstream', pid: pid.upstream }] }]
            : []),
        ];
        // Every target must answer 200 with the upstream's very bytes before it is put under load.
        const expected = await probeBody(upstreamUrl + rel, {}, null);
        for (const c of cases) await probeBody(c.url, c.headers ?? {}, expected);
        // 1 KB bodies are compared on every response; 1 MB ones only by the probe (comparing a megabyte per
        // response would load the load generator more than the targets).
        const body1k = size === '1k' ? Buffer.alloc(1024, 'k').toString() : undefined;
        const targets = cases.map((c) => ({ ...c, expectBody: body1k }));
        await ctx.warmUp(targets, settings.connections);
        const results = await ctx.compareHttp(targets, settings.connections);
        const direct = results.get(cases[0]?.name as string);
        const nginxResult = nginx ? results.get(cases.find((c) => c.key === 'nginx')?.name as string) : undefined;
        for (const c of cases) {
          const r = results.get(c.name);
          const out = row(c.name, r, c.key === 'direct' ? 'baseline' : 'measured');
          if (r && direct && c.key !== 'direct') {
            const ratio = r.rps / direct.rps;
            out.versus = { baseline: cases[0]?.name as string, metric: 'rps ratio', value: ratio, unit: 'x' };
            if (c.key === 'proxy' || c.key === 'gateway') {
              const min = size === '1k' ? P3_GOALS.vsDirect1k : P3_GOALS.vsDirect1m;
              const parts = [`≥ ${min.toFixed(2)}× direct`];
              let met = ratio >= min;
              if (size === '1m' && nginxResult) {
                const vsNginx = r.rps / nginxResult.rps;
                parts.push(`≥ ${P3_GOALS.vsNginx1m.toFixed(2)}× nginx (${vsNginx.toFixed(2)}×)`);
                met = met && vsNginx >= P3_GOALS.vsNginx1m;
                out.details = { ...out.details, vsNginx };
              }
              out.goal = { text: parts.join(', '), met };
            }
          }
          rows.push(out);
        }
      }

      // The access check alone: both answer without reaching the upstream; the first decides nothing.
      const checks = await cpuPerRequest(
        ctx,
        [
          { name: '401 without credentials', url: `${proxyUrl}/clusters/${clusterId}/proxy/bench/1k`, status: 401 },
          // 404 (a cluster the caller may not see, decision cached) rather than 503: 5xx answers are logged at warn.
          { name: '404 invisible cluster (authenticated, cached decision)', url: `${proxyUrl}/clusters/2147483647/proxy/bench/1k`, headers: auth, status: 404 },
        ],
        pid.proxy,
      );
      const bare = checks.get('401 without credentials');
      const checked = checks.get('404 invisible cluster (authenticated, cached decision)');
      for (const [name, r] of checks) {
        rows.push({
          scenario: 'P3',
          case: `proxy CPU: ${name}`,
          role: 'measured',
          connections: settings.connections,
          cpuMsPerRequest: { proxy: r.msPerRequest },
          problems: r.wrong ? [`${r.wrong} answers with another status or socket errors`] : [],
          details: { requests: r.requests },
        });
      }
      if (bare && checked) {
        ctx.note(
          `access check (token → cached principal, organization context, path check, cached cluster decision): ` +
            `${(checked.msPerRequest - bare.msPerRequest).toFixed(4)} ms CPU per request ` +
            `(${checked.msPerRequest.toFixed(4)} − ${bare.msPerRequest.toFixed(4)})`,
        );
      }

      // Memory while 1 GB streams: through the proxy app, then through the gateway as well.
      for (const [label, url, watch] of [
        ['proxy app', `${proxyUrl}/clusters/${clusterId}/proxy/bench/stream?bytes=${STREAM_BYTES}`, { proxy: pid.proxy }],
        [':3333 (gateway → proxy)', `${gateway.url}/clusters/${clusterId}/proxy/bench/stream?bytes=${STREAM_BYTES}`, { gateway: pid.gateway, proxy: pid.proxy }],
      ] as const) {
        // A first 200 MB brings the process's buffers and garbage collector to their streaming steady state,
        // so the growth measured next is what the 1 GB adds, not the switch from request/response load.
        ctx.log(`streaming 200 MB (warm-up), then 1 GB through the ${label}`);
        await streamAndWatch(url.replace(`bytes=${STREAM_BYTES}`, `bytes=${STREAM_BYTES / 5}`), auth, {}).catch(() => undefined);
        const run = await streamAndWatch(url, auth, watch).catch((error: unknown) => {
          rows.push({ scenario: 'P3', case: `1 GB via ${label}`, role: 'measured', problems: [(error as Error).message] });
          return null;
        });
        if (!run) continue;
        for (const process of Object.keys(watch)) {
          const growth = (run.peak[process] ?? NaN) - (run.before[process] ?? NaN);
          const problems = run.received === STREAM_BYTES ? [] : [`received ${run.received} of ${STREAM_BYTES} bytes`];
          rows.push({
            scenario: 'P3',
            case: `RSS of ${process} while 1 GB streams via ${label}`,
            role: 'measured',
            goal:
              process === 'proxy'
                ? { text: `≤ ${P3_GOALS.maxRssGrowthMb} MB growth: +${growth.toFixed(1)} MB (${run.before[process]?.toFixed(0)} → ${run.peak[process]?.toFixed(0)} MB)`, met: growth <= P3_GOALS.maxRssGrowthMb }
                : { text: `(no goal) +${growth.toFixed(1)} MB (${run.before[process]?.toFixed(0)} → ${run.peak[process]?.toFixed(0)} MB)`, met: true },
            problems,
            details: { ...run, mbPerSecond: run.received / 1e6 / run.seconds },
          });
        }
        ctx.note(`1 GB via ${label}: ${(run.received / 1e6 / run.seconds).toFixed(0)} MB/s`);
      }
    } finally {
      await nginx?.stop();
    }
    return rows;
  },
};
