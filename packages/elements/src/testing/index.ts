export { RecordedMesh, type RecordedFrame, type RecordedMeshOptions } from './recorded-mesh.js';
export { generateMesh, MeshChurn, type GenerateMeshOptions } from './generate.js';
