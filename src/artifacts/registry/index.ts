import type { ArtifactDetector } from '../types.js';
export const detectRegistry: ArtifactDetector = () => [];
