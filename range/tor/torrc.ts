// torrc text for every node of the private network. Pure: the network plan in, config text out.
// The settings follow what is known to work for a tiny loopback network (3 authorities with
// 10-second voting, 3 relays of which 2 exits, everything on 127.0.0.1), plus low-memory options.

export type TorRole = 'authority' | 'relay' | 'exit' | 'service' | 'client';

export interface DirAuthoritySpec {
  nickname: string;
  orPort: number;
  dirPort: number;
  /** Fingerprint of the authority's v3 signing identity (`fingerprint` line of its certificate). */
  v3ident: string;
  /** Fingerprint of its relay identity key. */
  fingerprint: string;
}

export interface OnionServiceSpec {
  /** Absolute HiddenServiceDir. */
  dir: string;
  targetPort: number;
}

export interface TorNodeSpec {
  role: TorRole;
  nickname: string;
  dataDir: string;
  /** Authorities and relays. */
  orPort?: number;
  /** Authorities. */
  dirPort?: number;
  /** Client. */
  socksPort?: number;
  controlPort?: number;
  /** Service. */
  services?: OnionServiceSpec[];
}

export interface TorNetworkPlan {
  authorities: DirAuthoritySpec[];
  exitFingerprints: string[];
  /** tor exits on its own when this process dies (a safety net behind our exit handlers). */
  ownerPid: number;
}

const HEX40 = /^[0-9A-F]{40}$/;
const NICKNAME = /^[A-Za-z0-9]{1,19}$/;

// A torrc is line-based: a value carrying a newline or other control character would inject options.
function safeValue(value: string, what: string): string {
  if (value.length === 0 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new Error(`${what} must be non-empty and free of control characters: ${JSON.stringify(value)}`);
  }
  return value;
}

function port(value: number | undefined, what: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${what} must be a TCP port (1-65535), got ${String(value)}`);
  }
  return value;
}

function fingerprint(value: string, what: string): string {
  if (!HEX40.test(value))
    throw new Error(`${what} must be 40 upper-case hex digits, got ${JSON.stringify(value)}`);
  return value;
}

export function dirAuthorityLine(a: DirAuthoritySpec): string {
  if (!NICKNAME.test(a.nickname)) throw new Error(`bad authority nickname ${JSON.stringify(a.nickname)}`);
  return (
    `DirAuthority ${a.nickname} orport=${port(a.orPort, 'authority ORPort')} no-v2 ` +
    `v3ident=${fingerprint(a.v3ident, 'v3ident')} 127.0.0.1:${port(a.dirPort, 'authority DirPort')} ` +
    fingerprint(a.fingerprint, 'authority fingerprint')
  );
}

function commonLines(plan: TorNetworkPlan, node: TorNodeSpec): string[] {
  if (!NICKNAME.test(node.nickname)) throw new Error(`bad nickname ${JSON.stringify(node.nickname)}`);
  if (plan.exitFingerprints.length === 0) throw new Error('the network needs at least one exit');
  if (!Number.isInteger(plan.ownerPid) || plan.ownerPid < 1)
    throw new Error(`bad owner pid ${plan.ownerPid}`);
  const dataDir = safeValue(node.dataDir, 'DataDirectory');
  return [
    `# darkwatch private Tor network: ${node.role} ${node.nickname}`,
    'TestingTorNetwork 1',
    'UseDefaultFallbackDirs 0',
    ...plan.authorities.map(dirAuthorityLine),
    'PathsNeededToBuildCircuits 0.67',
    'TestingDirAuthVoteGuard *',
    'TestingDirAuthVoteHSDir *',
    `TestingDirAuthVoteExit ${plan.exitFingerprints.map((f) => fingerprint(f, 'exit fingerprint')).join(',')}`,
    'TestingDirAuthVoteExitIsStrict 1',
    'TestingMinExitFlagThreshold 0',
    'V3AuthNIntervalsValid 2',
    `Nickname ${node.nickname}`,
    `DataDirectory ${dataDir}`,
    'RunAsDaemon 0',
    'ShutdownWaitLength 0',
    `__OwningControllerProcess ${plan.ownerPid}`,
    `Log notice file ${dataDir}/notice.log`,
    // Low memory: no GeoIP tables, one worker thread (malloc arenas are capped via MALLOC_ARENA_MAX).
    'GeoIPFile /dev/null',
    'GeoIPv6File /dev/null',
    'NumCPUs 1',
    'AvoidDiskWrites 1',
    'ClientUseIPv6 0',
  ];
}

function relayLines(node: TorNodeSpec): string[] {
  const lines = [
    `ORPort 127.0.0.1:${port(node.orPort, 'ORPort')}`,
    'Address 127.0.0.1',
    'AddressDisableIPv6 1',
    'AssumeReachable 1',
    'SocksPort 0',
    // Nothing may resolve names outside the machine.
    'ServerDNSDetectHijacking 0',
    'ServerDNSTestAddresses',
    'ServerDNSResolvConfFile /dev/null',
  ];
  if (node.role === 'exit') {
    lines.push(
      'ExitRelay 1',
      'ExitPolicyRejectPrivate 0',
      'ExitPolicyRejectLocalInterfaces 0',
      'ExitPolicy accept 127.0.0.0/8:*',
      'ExitPolicy reject *:*',
    );
  } else {
    lines.push('ExitRelay 0', 'ExitPolicy reject *:*');
  }
  return lines;
}

export function buildTorrc(plan: TorNetworkPlan, node: TorNodeSpec): string {
  const lines = commonLines(plan, node);
  switch (node.role) {
    case 'authority':
      lines.push(
        ...relayLines(node),
        `DirPort 127.0.0.1:${port(node.dirPort, 'DirPort')}`,
        'AuthoritativeDirectory 1',
        'V3AuthoritativeDirectory 1',
        // 10/2/2 s is the fastest voting schedule tor accepts: a consensus within ~20 s of start.
        'V3AuthVotingInterval 10',
        'V3AuthVoteDelay 2',
        'V3AuthDistDelay 2',
        'TestingV3AuthInitialVotingInterval 10',
        'TestingV3AuthInitialVoteDelay 2',
        'TestingV3AuthInitialDistDelay 2',
      );
      break;
    case 'relay':
    case 'exit':
      lines.push(...relayLines(node));
      break;
    case 'service': {
      const services = node.services ?? [];
      if (services.length === 0) throw new Error('an onion service node needs at least one service');
      // The descriptor-upload messages we wait for are info-level, in the rend domain only.
      lines.push('SocksPort 0', `Log [rend]info file ${node.dataDir}/rend.log`);
      for (const s of services) {
        lines.push(
          `HiddenServiceDir ${safeValue(s.dir, 'HiddenServiceDir')}`,
          'HiddenServiceVersion 3',
          `HiddenServicePort 80 127.0.0.1:${port(s.targetPort, 'service target port')}`,
        );
      }
      break;
    }
    case 'client':
      lines.push(
        // OnionTrafficOnly: the client refuses every non-onion destination itself, so nothing can
        // leave loopback; IsolateSOCKSAuth is on by default (one circuit family per SOCKS username).
        `SocksPort 127.0.0.1:${port(node.socksPort, 'SocksPort')} OnionTrafficOnly IsolateSOCKSAuth`,
        `ControlPort 127.0.0.1:${port(node.controlPort, 'ControlPort')}`,
        'CookieAuthentication 1',
        `CookieAuthFile ${node.dataDir}/control_auth_cookie`,
      );
      break;
  }
  return `${lines.join('\n')}\n`;
}
