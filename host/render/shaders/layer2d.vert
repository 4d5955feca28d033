#version 330 core
// One image layer's slice as a quad in data pixels, placed by the 2D camera. Screen y goes
// down; the frame is read back top row first.
layout(location = 0) in vec2 a_corner;  // (0,0) .. (1,1)
uniform vec2 u_size;      // plane columns, rows
uniform vec2 u_center;    // camera centre: column, row
uniform float u_zoom;     // screen pixels per data pixel
uniform vec2 u_viewport;  // canvas width, height
out vec2 v_texcoord;

void main() {
    vec2 data = a_corner * u_size - 0.5;  // pixel centres sit on integer coordinates
    vec2 screen = (data - u_center) * u_zoom + 0.5 * u_viewport;
    gl_Position = vec4(2.0 * screen.x / u_viewport.x - 1.0, 1.0 - 2.0 * screen.y / u_viewport.y, 0.0, 1.0);
    v_texcoord = a_corner;
}
