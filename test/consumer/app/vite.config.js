// Two pages: index.html (attribute mode) and react.html (the React wrappers).
export default {
  build: { rollupOptions: { input: ['index.html', 'react.html'] } },
};
