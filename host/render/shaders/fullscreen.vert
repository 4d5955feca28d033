#version 330 core
// Two triangles covering the canvas; the fragment shader casts one ray per pixel.
layout(location = 0) in vec2 a_corner;  // (0,0) .. (1,1)

void main() { gl_Position = vec4(a_corner * 2.0 - 1.0, 0.0, 1.0); }
