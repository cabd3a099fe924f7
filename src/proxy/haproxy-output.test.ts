import { ProxyError } from '../errors';
import { parseBackends, parseInfo, parseMap, parseServersState, parseStat, sessionsByServer } from './haproxy-output';

// Answers captured from HAProxy 2.6.12 (Debian 12) over its Runtime API.
const STATE_HEADER =
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';
const SERVERS_STATE = [
  '1',
  STATE_HEADER,
  '4 app1 1 s1 127.0.0.1 2 8 1 1 0 6 3 3 6 0 0 0 - 18081 - 0 0 - - 0', // drained at runtime
  '4 app1 2 s2 127.0.0.1 2 0 1 1 0 6 3 3 6 0 0 0 - 18082 - 0 0 - - 0', // up
  '4 app1 3 s3 127.0.0.1 0 1 0 0 0 1 0 0 0 0 0 0 - 18082 - 0 0 - - 0', // just added: maintenance
  '5 app2 1 w0 127.0.0.1 0 0 0 0 1 8 2 0 6 0 0 0 - 18083 - 0 0 - - 0', // weight 0 from the config, down
  '',
  '',
].join('\n');

const STAT_HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,';
const STAT = [
  STAT_HEADER,
  'http,FRONTEND,,,0,0,9985,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,0,,,,0,0,0,0,0,0,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,0,0,0,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,',
  'app1,s1,0,0,3,5,,0,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,1,0,,1,4,1,,0,,2,0,,0,L4OK,,0,0,0,0,0,0,0,,,,0,0,0,,,,,-1,,,0,0,0,0,,,,Layer4 check passed,,1,3,3,,,,127.0.0.1:18081,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,',
  'app1,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,0,1,0,1,1,0,0,,1,4,2,,0,,2,0,,0,L4CON,,0,0,0,0,0,0,0,,,,0,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,1,3,0,,,,127.0.0.1:18082,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,0,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,',
  'app1,BACKEND,0,0,7,7,1,0,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,1,0,,1,4,0,,0,,1,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,http,roundrobin,,,,,,,0,0,0,0,0,,,0,0,0,0,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,',
  '',
].join('\n');

describe('parseServersState', () => {
  it('reads every server with its health and admin state', () => {
    expect(parseServersState(SERVERS_STATE)).toEqual([
      { backend: 'app1', name: 's1', address: '127.0.0.1:18081', health: 'up', admin: 'drain' },
      { backend: 'app1', name: 's2', address: '127.0.0.1:18082', health: 'up', admin: 'ready' },
      { backend: 'app1', name: 's3', address: '127.0.0.1:18082', health: 'down', admin: 'maint' },
      { backend: 'app2', name: 'w0', address: '127.0.0.1:18083', health: 'down', admin: 'drain' },
    ]);
  });

  it('reads a backend without servers', () => {
    expect(parseServersState(`1\n${STATE_HEADER}\n\n`)).toEqual([]);
  });

  it.each([["Can't find backend.\n\n"], ['No such backend.\n'], ['']])('refuses an error answer %j', (answer) => {
    expect(() => parseServersState(answer)).toThrow(ProxyError);
  });
});

describe('parseStat', () => {
  it('keys each row by the header and skips the unnamed column', () => {
    const rows = parseStat(STAT);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatchObject({ pxname: 'app1', svname: 's1', scur: '3', status: 'UP', addr: '127.0.0.1:18081', check_desc: 'Layer4 check passed' });
    expect(rows[1]).not.toHaveProperty('-');
  });

  it('gives the open sessions per server of one backend, without the aggregate rows', () => {
    expect([...sessionsByServer(parseStat(STAT), 'app1')]).toEqual([
      ['s1', 3],
      ['s2', 0],
    ]);
    expect(sessionsByServer(parseStat(STAT), 'other').size).toBe(0);
  });

  it('refuses an error answer', () => {
    expect(() => parseStat('No such proxy.\n\n')).toThrow(ProxyError);
  });
});

describe('parseMap', () => {
  it('reads the entries', () => {
    expect(parseMap('0x55bd27f918b0 a.test app1\n0x55bd27f91900 b.test app2\n\n')).toEqual([
      { key: 'a.test', value: 'app1' },
      { key: 'b.test', value: 'app2' },
    ]);
    expect(parseMap('\n')).toEqual([]);
  });

  it('refuses an error answer', () => {
    expect(() => parseMap('Unknown map identifier. Please use #<id> or <file>.\n\n')).toThrow(ProxyError);
  });
});

describe('parseBackends', () => {
  it('reads the names', () => {
    expect(parseBackends('# name\nbe_default\napp1\n\n')).toEqual(['be_default', 'app1']);
  });

  it('refuses an error answer', () => {
    expect(() => parseBackends('Unknown command\n')).toThrow(ProxyError);
  });
});

describe('parseInfo', () => {
  it('reads the worker pid', () => {
    const info = parseInfo('Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nRelease_date: 2026/10/17\nNbthread: 2\nPid: 2852\nUptime: 0d 0h00m00s\n');
    expect(info.get('Pid')).toBe('2852');
    expect(info.get('Uptime')).toBe('0d 0h00m00s');
  });

  it('refuses an answer without a pid', () => {
    expect(() => parseInfo('Unknown command\n')).toThrow(ProxyError);
  });
});
