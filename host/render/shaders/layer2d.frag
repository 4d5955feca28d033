#version 330 core
// Intensity -> contrast limits -> gamma -> colormap, with the layer's opacity as alpha.
in vec2 v_texcoord;
uniform sampler2D u_data;      // one channel; normalised integer or float
uniform sampler2D u_colormap;  // 256 x 1 RGBA
uniform float u_scale;         // texture value -> data value (255, 65535 or 1)
uniform vec2 u_clim;           // contrast limits in data values
uniform float u_gamma;
uniform float u_opacity;
out vec4 o_color;

void main() {
    float value = texture(u_data, v_texcoord).r * u_scale;
    float n = clamp((value - u_clim.x) / (u_clim.y - u_clim.x), 0.0, 1.0);
    n = pow(n, u_gamma);
    vec3 rgb = texture(u_colormap, vec2(n * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb;
    o_color = vec4(rgb, u_opacity);
}
