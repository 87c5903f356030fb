// image.mjs - what the task definition relies on in docker/Dockerfile: every
// task volume the container mounts without a host path (a Fargate bind mount,
// /tmp) is a VOLUME of the image's last stage, made mode 1777 in the image and
// not changed by a build step after the VOLUME. Only then does ECS give the
// mount the image's contents and permissions; otherwise it is root-owned 0755
// and the non-root worker cannot write its heartbeat there.
import { existsSync, readFileSync } from 'node:fs';

// The instructions of the last stage: [{ op, args }], continuation lines joined, comments dropped.
function lastStageInstructions(text) {
    const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const all = lines.map((l) => { const [op, ...rest] = l.split(/\s+/); return { op: op.toUpperCase(), args: rest.join(' ') }; });
    const from = all.map((ins) => ins.op).lastIndexOf('FROM');
    return all.slice(from + 1);
}

// VOLUME ["/a", "/b"] or VOLUME /a /b.
function volumePaths(args) {
    try { return [].concat(JSON.parse(args)); } catch { return args.split(/\s+/); }
}

export function checkBindMountsDeclared(world, dockerfile) {
    if (!existsSync(dockerfile)) return [`${dockerfile} is missing`];
    const text = readFileSync(dockerfile, 'utf8');
    const stage = lastStageInstructions(text);
    const out = [];
    for (const td of world.aws_ecs_task_definition.worker) {
        const bare = new Set((td.volume || []).filter((v) => !v.host_path && !v.efs_volume_configuration && !v.docker_volume_configuration).map((v) => v.name));
        for (const mp of JSON.parse(td.container_definitions).flatMap((c) => c.mountPoints || [])) {
            if (!bare.has(mp.sourceVolume)) continue;
            const path = mp.containerPath;
            const at = stage.findIndex((ins) => ins.op === 'VOLUME' && volumePaths(ins.args).includes(path));
            if (at < 0) out.push(`the task mounts volume "${mp.sourceVolume}" at ${path}, but the image declares no VOLUME ["${path}"]: Fargate mounts it root-owned 0755`);
            else if (stage.slice(at + 1).some((ins) => ['COPY', 'ADD', 'RUN'].includes(ins.op))) out.push(`a build step after VOLUME ["${path}"] (its changes to ${path} are discarded)`);
            if (!new RegExp(`chmod 1777 \\S*${path}\\b`).test(text)) out.push(`the image does not make ${path} mode 1777`);
        }
    }
    return out;
}
