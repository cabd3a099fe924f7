import { detectSelfContainerId } from './composition';

const ID = '3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899';

describe('detectSelfContainerId', () => {
  it('finds the id in the bind mount of /etc/hostname under Docker', () => {
    const mountinfo = [
      '701 600 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC',
      '702 701 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
      `715 701 8:1 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw`,
      `716 701 8:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw`,
      `717 701 8:1 /var/lib/docker/containers/${ID}/hosts /etc/hosts rw,relatime - ext4 /dev/sda1 rw`,
    ].join('\n');
    expect(detectSelfContainerId(mountinfo)).toBe(ID);
  });

  it('finds the id under rootless Docker', () => {
    const line = `1402 1380 0:31 /home/ci/.local/share/docker/containers/${ID}/hostname /etc/hostname rw,relatime - btrfs /dev/nvme0n1p2 rw`;
    expect(detectSelfContainerId(line)).toBe(ID);
  });

  it('finds the id under Podman, whose files live in userdata/', () => {
    const line = `1107 1090 0:26 /containers/storage/overlay-containers/${ID}/userdata/hostname /etc/hostname rw,nosuid,nodev - tmpfs tmpfs rw`;
    expect(detectSelfContainerId(line)).toBe(ID);
  });

  it('answers undefined outside a container', () => {
    const host = ['22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw', '23 22 0:21 / /proc rw,nosuid - proc proc rw'].join('\n');
    expect(detectSelfContainerId(host)).toBeUndefined();
    expect(detectSelfContainerId('')).toBeUndefined();
  });

  it('ignores ids that are not 64 hex digits', () => {
    expect(detectSelfContainerId('716 701 8:1 /var/lib/docker/containers/abc123/hostname /etc/hostname rw - ext4 /dev/sda1 rw')).toBeUndefined();
  });
});
