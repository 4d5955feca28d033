#version 330 core
// Ray casting through one layer's volume. Data space is (x, y, z) = (column, row, depth) in
// voxels, voxel centres on integer coordinates; the camera is described in docs/scene.md.
uniform sampler3D u_data;
uniform sampler2D u_colormap;
uniform vec2 u_viewport;   // canvas width, height
uniform vec3 u_size;       // voxels along x, y, z
uniform vec3 u_center;     // camera centre in data space
uniform vec3 u_right;      // camera axes in data space
uniform vec3 u_down;
uniform vec3 u_forward;
uniform float u_zoom;      // screen pixels per voxel at the centre
uniform float u_fov;       // radians; 0 is orthographic
uniform float u_step;      // voxels between samples
// MODE is defined by the host when it builds one program per mode, so the compiler drops the
// other modes' branches from the sampling loop: 0 mip, 1 minip, 2 attenuated_mip, 3 iso,
// 4 translucent, 5 average, 6 additive.
const int u_mode = MODE;
uniform float u_scale;     // texture value -> data value
uniform vec2 u_clim;
uniform float u_gamma;
uniform float u_opacity;
uniform float u_iso;       // iso threshold in data values
uniform float u_attenuation;
out vec4 o_color;

float sample_value(vec3 p) { return texture(u_data, (p + 0.5) / u_size).r * u_scale; }
float normalised(float value) { return clamp((value - u_clim.x) / (u_clim.y - u_clim.x), 0.0, 1.0); }
vec3 colour(float n) { return texture(u_colormap, vec2(pow(n, u_gamma) * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb; }

// Where the ray enters and leaves the volume's box, or false when it misses.
bool clip(vec3 origin, vec3 dir, out float t0, out float t1) {
    vec3 inv = 1.0 / dir;
    vec3 a = (vec3(-0.5) - origin) * inv;
    vec3 b = (u_size - 0.5 - origin) * inv;
    vec3 lo = min(a, b), hi = max(a, b);
    t0 = max(max(lo.x, lo.y), lo.z);
    t1 = min(min(hi.x, hi.y), hi.z);
    return t1 > t0;
}

void main() {
    vec2 offset = vec2(gl_FragCoord.x - 0.5 * u_viewport.x, (u_viewport.y - gl_FragCoord.y) - 0.5 * u_viewport.y);
    vec3 on_plane = u_center + (offset.x * u_right + offset.y * u_down) / u_zoom;
    vec3 origin = on_plane, dir = u_forward;
    float t_min = -1e9;
    if (u_fov > 0.0) {
        float distance = (0.5 * u_viewport.y / u_zoom) / tan(0.5 * u_fov);
        origin = u_center - u_forward * distance;
        dir = normalize(on_plane - origin);
        t_min = 0.0;
    }
    // Avoid division by zero on axis-aligned rays.
    dir = mix(dir, vec3(1e-9), equal(dir, vec3(0.0)));
    float t0, t1;
    if (!clip(origin, dir, t0, t1)) discard;
    t0 = max(t0, t_min);
    if (t1 <= t0) discard;

    int steps = int(ceil((t1 - t0) / u_step));
    float best = (u_mode == 1) ? 1.0 : 0.0;
    float sum = 0.0;
    float attenuated_sum = 0.0;
    vec4 acc = vec4(0.0);
    for (int i = 0; i < steps; ++i) {
        vec3 p = origin + dir * (t0 + (float(i) + 0.5) * u_step);
        float value = sample_value(p);
        float n = normalised(value);
        if (u_mode == 0) {
            best = max(best, n);
            if (best >= 1.0) break;  // nothing brighter to find
        } else if (u_mode == 1) {
            best = min(best, n);
        } else if (u_mode == 2) {
            // napari's attenuated MIP: later samples count less the more was passed through.
            attenuated_sum += n * u_step;
            best = max(best, n * exp(-u_attenuation * attenuated_sum));
        } else if (u_mode == 3) {
            if (value >= u_iso) {
                vec3 g = vec3(sample_value(p + vec3(1, 0, 0)) - sample_value(p - vec3(1, 0, 0)),
                              sample_value(p + vec3(0, 1, 0)) - sample_value(p - vec3(0, 1, 0)),
                              sample_value(p + vec3(0, 0, 1)) - sample_value(p - vec3(0, 0, 1)));
                float light = length(g) > 0.0 ? abs(dot(normalize(g), dir)) : 1.0;
                o_color = vec4(colour(normalised(u_iso)) * (0.25 + 0.75 * light), u_opacity);
                return;
            }
        } else if (u_mode == 4) {
            float alpha = 1.0 - pow(1.0 - n, u_step);
            acc.rgb += (1.0 - acc.a) * alpha * colour(n);
            acc.a += (1.0 - acc.a) * alpha;
            if (acc.a > 0.99) break;
        } else {
            sum += n;
        }
    }
    if (u_mode == 3) discard;
    if (u_mode == 4) {
        o_color = vec4(acc.a > 0.0 ? acc.rgb / acc.a : vec3(0.0), acc.a * u_opacity);
        return;
    }
    if (u_mode == 5) best = sum / float(max(steps, 1));
    if (u_mode == 6) best = clamp(sum * u_step / max(u_size.z, 1.0), 0.0, 1.0);
    o_color = vec4(colour(best), u_opacity);
}
