export { RecordedMesh, type RecordedFrame, type RecordedMeshOptions } from './recorded-mesh.js';
export { recordMesh, type MeshRecording } from './mesh-recorder.js';
export { generateMesh, MeshChurn, type GenerateMeshOptions } from './generate.js';
export { TinyNetwork } from './tiny-network.js';
